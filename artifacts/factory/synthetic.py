"""A seeded synthetic twin of the UCI "default of credit card clients" data set.

Same 25 columns, value codes and rough marginals as the published file (30,000 clients, about
22% defaults), generated from a latent creditworthiness so that the repayment history, balances
and the limit carry a real, learnable signal. It is the embedded default, so `make demo` needs
no download; it is not a substitute for the real data in a validation report.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit

from artifacts.factory.choices import DEFAULT_ROWS, DEFAULT_SEED

TARGET = "default.payment.next.month"
DEFAULT_RATE = 0.2212  # share of defaults in the published file

_EDUCATION = {1: 0.353, 2: 0.468, 3: 0.164, 4: 0.004, 5: 0.009, 6: 0.0017, 0: 0.0005}
_MARRIAGE = {1: 0.455, 2: 0.532, 3: 0.011, 0: 0.002}


def synthesize(rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Generate `rows` clients; the same `rows` and `seed` always give the same frame."""
    if rows < 1:
        raise ValueError("rows must be at least 1")
    rng = np.random.default_rng(seed)
    sex = np.where(rng.random(rows) < 0.604, 2, 1)
    education = _draw(rng, _EDUCATION, rows)
    marriage = _draw(rng, _MARRIAGE, rows)
    age = 21 + rng.gamma(3.0, 4.6, rows) + 4.0 * (marriage == 1)
    age = np.clip(np.round(age), 21, 79).astype(np.int64)

    # Latent creditworthiness: better with education and (up to a point) with age.
    quality = (rng.normal(0, 1, rows) + 0.25 * (education == 1) - 0.2 * (education == 3)
               + 0.015 * (np.minimum(age, 50) - 35))
    limit = np.exp(11.75 + 0.55 * quality + rng.normal(0, 0.55, rows))
    limit = np.clip(np.round(limit / 10_000) * 10_000, 10_000, 1_000_000)

    risk = -quality + rng.normal(0, 0.6, rows)
    late_propensity = expit(1.3 * risk - 1.2)
    inactive = rng.random(rows) < 0.09
    revolver = rng.random(rows) < expit(0.9 - 0.8 * quality)
    status, bill, paid = _history(rng, rows, late_propensity, inactive, revolver, limit, risk)

    # Default depends on recent delinquency, utilisation and the latent risk.
    utilisation = np.clip(bill[:, 0] / limit, -0.1, 1.5)
    recent = np.clip(status[:, 0], 0, 4)
    earlier = np.clip(status[:, 1:3], 0, 4).sum(axis=1)
    logit = (0.55 * risk + 0.7 * recent + 0.15 * earlier + 0.5 * utilisation
             - 0.2 * np.log(limit / 100_000) + rng.normal(0, 0.8, rows))
    intercept = brentq(lambda c: expit(c + logit).mean() - DEFAULT_RATE, -20, 20)
    default = (rng.random(rows) < expit(intercept + logit)).astype(np.int64)

    frame = {"ID": np.arange(1, rows + 1), "LIMIT_BAL": limit.astype(np.int64), "SEX": sex,
             "EDUCATION": education, "MARRIAGE": marriage, "AGE": age}
    for i, month in enumerate((0, 2, 3, 4, 5, 6)):
        frame[f"PAY_{month}"] = status[:, i]
    for i in range(6):
        frame[f"BILL_AMT{i + 1}"] = bill[:, i]
    for i in range(6):
        frame[f"PAY_AMT{i + 1}"] = paid[:, i]
    frame[TARGET] = default
    return pd.DataFrame(frame)


def write_synthetic_csv(path: Path, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> Path:
    """Write the synthetic data set as CSV, atomically (temp file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    synthesize(rows, seed).to_csv(tmp, index=False)
    tmp.replace(path)
    return path


def _draw(rng: np.random.Generator, weights: dict[int, float], rows: int) -> np.ndarray:
    codes = np.array(list(weights))
    p = np.array(list(weights.values()))
    return rng.choice(codes, size=rows, p=p / p.sum())


def _history(rng, rows, late_propensity, inactive, revolver, limit, risk):
    """Six months of status, statement balance and payment, oldest month first internally.

    Returned columns are newest first, as in the UCI file (PAY_0/BILL_AMT1 = last month).
    """
    months = 6
    status = np.zeros((rows, months), dtype=np.int64)
    bill = np.zeros((rows, months), dtype=np.int64)
    paid = np.zeros((rows, months), dtype=np.int64)
    delay = np.zeros(rows, dtype=np.int64)
    level = np.clip(expit(0.9 * risk + rng.normal(0.3, 0.8, rows)), 0.0, 1.05)
    for m in reversed(range(months)):  # m = 5 is the oldest month
        idle = inactive & (rng.random(rows) < 0.8)
        stays_late = (delay > 0) & (rng.random(rows) < 0.2 + 0.4 * late_propensity)
        goes_late = (delay == 0) & (rng.random(rows) < 0.04 + 0.3 * late_propensity)
        delay = np.where(stays_late, np.minimum(delay + 1, 8),
                         np.where(goes_late, np.where(rng.random(rows) < 0.55, 1, 2), 0))
        delay = np.where(idle, 0, delay)
        status[:, m] = np.where(delay > 0, delay, np.where(idle, -2, np.where(revolver, 0, -1)))
        level = np.clip(level + rng.normal(0, 0.05, rows) + 0.04 * (delay > 0), 0.0, 1.1)
        balance = np.where(idle, 0.0, limit * level * rng.uniform(0.85, 1.0, rows))
        overpaid = (~idle) & (rng.random(rows) < 0.015)
        balance = np.where(overpaid, -rng.uniform(0, 4_000, rows), balance)
        share = np.where(status[:, m] == -1, rng.uniform(0.05, 0.5, rows),
                         np.where(status[:, m] == 0, rng.uniform(0.02, 0.1, rows), 0.0))
        payment = np.where(delay > 0, rng.uniform(0, 0.02, rows) * np.abs(balance),
                           share * np.maximum(balance, 0))
        bill[:, m] = np.round(balance)
        paid[:, m] = np.round(payment)
    return status, bill, paid
