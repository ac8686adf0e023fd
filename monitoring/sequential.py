"""Page-Hinkley (eq. 38.8) on a stream of daily statistics, with its threshold lambda
calibrated by simulation to a stated expected false-alarm interval under "nothing changed".

The stream is the day's mean score or approval rate standardised against the reference,
z_d = (x_d - mu_ref) * sqrt(n_d) / sigma_ref, which is N(0, 1) under H0 whatever the day's
volume; lambda and delta are then in those units, and one lambda serves every model. The
detector is two-sided (a rise or a fall), as the notes' one-sided form run on z and on -z, and
alarms when either side passes lambda; the calibration accounts for both sides.

The expected false-alarm interval (ARL0, default 30 days, the notes' 38.8.8) is the mean
number of daily observations before a false alarm when nothing changed. `calibrate_lambda`
simulates that directly: many H0 streams, each one's running maximum of PH (monotone, so the
first passage of any lambda is one count), then bisection for the lambda whose mean first
passage is the target.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from monitoring.results import DetectorResult, Verdict

DELTA = 0.005  # tolerance (standard deviations), as in the notes' example
FALSE_ALARM_DAYS = 30.0


@dataclass(frozen=True)
class PageHinkleyPath:
    statistic: np.ndarray  # PH_t of the side that is higher at t
    alarm: int | None  # index of the first t with PH_t > lambda


def ph_statistic(x: np.ndarray, delta: float = DELTA) -> np.ndarray:
    """PH_t = m_t - min(0, m_1..m_t), m_t = sum_i (x_i - mean(x_1..x_i) - delta), for an
    upward change; the notes' incremental class, vectorised (rows of a 2-D array are streams)."""
    x = np.asarray(x, dtype=np.float64)
    t = np.arange(1, x.shape[-1] + 1)
    running_mean = np.cumsum(x, axis=-1) / t
    m = np.cumsum(x - running_mean - delta, axis=-1)
    lowest = np.minimum(np.minimum.accumulate(m, axis=-1), 0.0)
    return m - lowest


def page_hinkley(x: np.ndarray, lam: float, delta: float = DELTA, *, two_sided: bool = True
                 ) -> PageHinkleyPath:
    up = ph_statistic(x, delta)
    path = np.maximum(up, ph_statistic(-np.asarray(x, dtype=np.float64), delta)) \
        if two_sided else up
    over = np.flatnonzero(path > lam)
    return PageHinkleyPath(statistic=path, alarm=int(over[0]) if len(over) else None)


@lru_cache(maxsize=16)
def calibrate_lambda(false_alarm_interval: float = FALSE_ALARM_DAYS, delta: float = DELTA, *,
                     streams: int = 4_000, seed: int = 0) -> float:
    """The lambda whose expected run length to a false alarm on N(0,1) days is the target.

    Streams are simulated in chunks (memory stays near 100 MB whatever the target); for each,
    the running maximum of PH is nondecreasing, so the first passage of every lambda on a fine
    grid is one sorted search; the grid's mean run lengths are then interpolated."""
    length = int(20 * false_alarm_interval)
    chunk = max(1, 2_000_000 // length)
    rng = np.random.default_rng(seed)
    grid = np.linspace(0.0, 4.0 * np.sqrt(false_alarm_interval) + 10.0, 4_001)
    total = np.zeros(len(grid))
    for first in range(0, streams, chunk):
        rows = min(chunk, streams - first)
        z = rng.standard_normal((rows, length))
        worst = np.maximum.accumulate(
            np.maximum(ph_statistic(z, delta), ph_statistic(-z, delta)), axis=1)
        # rows laid end to end (each shifted above the last) make one sorted array
        offset = (np.arange(rows) * (grid[-1] + worst.max() + 1.0))[:, None]
        flat = (worst + offset).ravel()
        passed = np.searchsorted(flat, grid[None, :] + offset, side="right")
        total += (passed - np.arange(rows)[:, None] * length + 1).sum(axis=0)
    run_length = total / streams  # nondecreasing in lambda
    if run_length[-1] < false_alarm_interval:
        raise ValueError(f"no lambda up to {grid[-1]:.1f} gives {false_alarm_interval} days")
    return float(np.interp(false_alarm_interval, run_length, grid))


def expected_run_length(lam: float, delta: float = DELTA, *, streams: int = 4_000,
                        length: int = 2_000, seed: int = 1) -> float:
    """Mean days to the first (false) alarm on fresh N(0,1) streams: the check of a lambda."""
    z = np.random.default_rng(seed).standard_normal((streams, length))
    path = np.maximum(ph_statistic(z, delta), ph_statistic(-z, delta))
    over = path > lam
    first = np.where(over.any(axis=1), over.argmax(axis=1) + 1, length)
    return float(first.mean())


def standardise(daily: np.ndarray, volumes: np.ndarray, mean: float, sd: float) -> np.ndarray:
    """Each day's statistic in standard deviations of a day of its volume under the reference."""
    return (np.asarray(daily, dtype=np.float64) - mean) * np.sqrt(volumes) / sd


def page_hinkley_test(subject: str, daily: np.ndarray, volumes: np.ndarray, *, mean: float,
                      sd: float, n_reference: int,
                      false_alarm_interval: float = FALSE_ALARM_DAYS, delta: float = DELTA
                      ) -> DetectorResult:
    """Page-Hinkley on daily values of `subject` (mean score, approval rate) against the
    reference mean and per-row standard deviation."""
    lam = calibrate_lambda(false_alarm_interval, delta)
    if len(daily) == 0 or sd <= 0:
        return DetectorResult(detector="page_hinkley", subject=subject, statistic=0.0,
                              threshold=lam, n_reference=n_reference, n_window=0,
                              verdict=Verdict.INSUFFICIENT)
    path = page_hinkley(standardise(daily, volumes, mean, sd), lam, delta)
    return DetectorResult(
        detector="page_hinkley", subject=subject, statistic=float(path.statistic.max()),
        threshold=lam, n_reference=n_reference, n_window=int(np.sum(volumes)),
        verdict=Verdict.DRIFT if path.alarm is not None else Verdict.STABLE,
        detail={"alarm_day": path.alarm, "days": len(daily), "delta": delta,
                "false_alarm_interval_days": false_alarm_interval,
                "path": [round(float(v), 4) for v in path.statistic]})
