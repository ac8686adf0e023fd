"""Outcome-linked performance: the window's AUC against the reference's bootstrap interval,
DeLong's test for champion vs shadow challenger on the same rows, and calibration as an
expected-vs-observed chi-square by decile of predicted risk.

These need observed outcomes, which arrive months after the decision (design notes 38.2.6):
the monitor runs them only on decisions whose outcome is on record, and reports how many.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from artifacts.bundle.auc import AucInterval, auc, bootstrap_auc
from monitoring.results import DetectorResult, Verdict

MIN_OUTCOMES = 30  # of each class, before an AUC (or DeLong) says anything


def enough_outcomes(y: np.ndarray) -> bool:
    y = np.asarray(y)
    return int((y == 1).sum()) >= MIN_OUTCOMES and int((y == 0).sum()) >= MIN_OUTCOMES


def auc_test(subject: str, y: np.ndarray, p: np.ndarray, reference: AucInterval, *,
             seed: int = 0) -> DetectorResult:
    """The window's AUC (with its own interval) against the reference interval: drift when the
    window's AUC falls outside it."""
    if not enough_outcomes(y):
        return DetectorResult(detector="auc", subject=subject, statistic=float("nan"),
                              threshold=reference.low, n_reference=reference.positives
                              + reference.negatives, n_window=len(y),
                              verdict=Verdict.INSUFFICIENT,
                              detail={"needs": f"{MIN_OUTCOMES} outcomes of each class"})
    window = bootstrap_auc(y, p, seed=seed)
    outside = not reference.low <= window.auc <= reference.high
    return DetectorResult(
        detector="auc", subject=subject, statistic=window.auc, threshold=reference.low,
        n_reference=reference.positives + reference.negatives, n_window=len(y),
        verdict=Verdict.DRIFT if outside else Verdict.STABLE,
        detail={"reference": [reference.low, reference.auc, reference.high],
                "window_interval": [window.low, window.high], "level": window.level,
                "defaulters": window.positives})


def _placements(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DeLong's structural components by midranks (Sun and Xu, 2014): for each defaulter the
    share of non-defaulters it outscores (V10), for each non-defaulter the share of defaulters
    that outscore it (V01); ties count one half."""
    m, n = len(x), len(y)
    tz = stats.rankdata(np.concatenate([x, y]))
    v10 = (tz[:m] - stats.rankdata(x)) / n
    v01 = 1.0 - (tz[m:] - stats.rankdata(y)) / m
    return v10, v01


def delong_variance(y: np.ndarray, champion: np.ndarray, challenger: np.ndarray
                    ) -> tuple[float, float, float]:
    """(AUC champion, AUC challenger, variance of their difference) on paired rows (DeLong,
    DeLong and Clarke-Pearson 1988)."""
    y = np.asarray(y).astype(bool)
    parts = [_placements(np.asarray(s)[y], np.asarray(s)[~y]) for s in (champion, challenger)]
    v10 = np.vstack([p[0] for p in parts])
    v01 = np.vstack([p[1] for p in parts])
    aucs = v10.mean(axis=1)
    s = np.cov(v10) / v10.shape[1] + np.cov(v01) / v01.shape[1]
    return float(aucs[0]), float(aucs[1]), float(s[0, 0] + s[1, 1] - 2 * s[0, 1])


def delong(y: np.ndarray, champion: np.ndarray, challenger: np.ndarray
           ) -> tuple[float, float, float, float]:
    """(AUC champion, AUC challenger, z, two-sided p) of DeLong's paired test."""
    a, b, variance = delong_variance(y, champion, challenger)
    if variance <= 0:  # the two score the rows in one order: no difference to test
        return a, b, 0.0, 1.0
    z = (b - a) / np.sqrt(variance)
    return a, b, float(z), float(2 * stats.norm.sf(abs(z)))


def delong_test(subject: str, y: np.ndarray, champion: np.ndarray, challenger: np.ndarray, *,
                alpha: float = 0.05) -> DetectorResult:
    """Champion vs challenger on the same rows: drift (a real difference) when p < alpha; the
    sign of z says which is better."""
    if not enough_outcomes(y):
        return DetectorResult(detector="delong", subject=subject, statistic=float("nan"),
                              threshold=alpha, n_reference=len(y), n_window=len(y),
                              verdict=Verdict.INSUFFICIENT)
    a_champion, a_challenger, z, p = delong(y, champion, challenger)
    return DetectorResult(
        detector="delong", subject=subject, statistic=z, threshold=alpha, p_value=p,
        n_reference=len(y), n_window=len(y),
        verdict=Verdict.DRIFT if p < alpha else Verdict.STABLE,
        detail={"auc_champion": a_champion, "auc_challenger": a_challenger,
                "better": "challenger" if z > 0 else "champion"})


def calibration_test(subject: str, y: np.ndarray, p: np.ndarray, *, groups: int = 10,
                     alpha: float = 0.05) -> DetectorResult:
    """Hosmer-Lemeshow's chi-square over deciles of predicted risk, with `groups` degrees of
    freedom (the model was not fitted on these rows)."""
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    if len(y) < groups * 10:
        return DetectorResult(detector="calibration", subject=subject, statistic=float("nan"),
                              threshold=float("nan"), n_reference=0, n_window=len(y),
                              verdict=Verdict.INSUFFICIENT)
    order = np.argsort(p, kind="stable")
    table, chi2 = [], 0.0
    for g, rows in enumerate(np.array_split(order, groups), start=1):
        n, expected, observed = len(rows), float(p[rows].sum()), float(y[rows].sum())
        term = (observed - expected) ** 2 / max(expected * (1 - expected / n), 1e-12)
        chi2 += term
        table.append({"decile": g, "rows": n, "expected": expected, "observed": observed,
                      "mean_predicted": expected / n, "observed_rate": observed / n})
    critical = float(stats.chi2.ppf(1 - alpha, groups))
    return DetectorResult(
        detector="calibration", subject=subject, statistic=chi2, threshold=critical,
        p_value=float(stats.chi2.sf(chi2, groups)), n_reference=0, n_window=len(y),
        verdict=Verdict.DRIFT if chi2 > critical else Verdict.STABLE,
        detail={"deciles": table, "alpha": alpha})


__all__ = ["auc", "bootstrap_auc", "auc_test", "delong", "delong_test", "calibration_test"]
