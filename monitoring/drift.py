"""Distribution drift: PSI (on the score) and CSI (per feature) with per-bin attribution, the
two-sample Kolmogorov-Smirnov test and the Wasserstein-1 distance; numpy and scipy, vectorised.

PSI's threshold scales with the window (design notes 38.2.7): for small shifts PSI is close to
G^2/n, and G^2 is chi-square with J-1 degrees of freedom under "nothing changed", so a PSI of
0.10 on 10,000 rows is far beyond noise while on 50 rows it is noise. A PSI verdict is drift
only when the value passes both the governed business threshold (0.10 by default) and the
chi-square critical value for the window's size. The reference proportions are themselves an
estimate from m validation rows, so the size used is the two-sample n*m/(n+m).
(The notes' 38.3.3 says 2n*PSI; their own worked figure, 16.9/10,000, uses n*PSI, which is the
right one: PSI is about twice the KL divergence, and G^2 is 2n times it.)
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from artifacts.bundle.reference_profile import bin_counts
from monitoring.results import DetectorResult, verdict

__all__ = ["bin_counts", "compare_samples", "psi", "psi_critical", "psi_test", "ks_statistic",
           "ks_p_value", "ks_test", "ks_from_grid", "wasserstein", "wasserstein_from_grid",
           "wasserstein_result"]

EPS = 1e-6  # as the notes' psi_from_scratch: keeps log() finite when a window bin is empty
PSI_ALERT = 0.10  # Siddiqi's "investigate"; 0.25 is "material" (the governed file has both)
ALPHA = 0.05
MIN_EXPECTED = 5  # rows expected in the smallest reference bin before PSI says anything
MIN_ROWS_W1 = 100  # rows before Wasserstein-1 is held to a fixed threshold


def psi(reference: np.ndarray, window: np.ndarray) -> tuple[float, np.ndarray]:
    """PSI (eq. 38.5) of two count (or proportion) vectors over the same bins, and each bin's
    share of it."""
    ref = np.asarray(reference, dtype=np.float64)
    win = np.asarray(window, dtype=np.float64)
    ref, win = ref / max(ref.sum(), 1.0), win / max(win.sum(), 1.0)
    parts = (win - ref) * np.log((win + EPS) / (ref + EPS))
    return float(parts.sum()), parts


def effective_size(n_window: int, n_reference: int | None) -> float:
    """n for a fixed reference; n*m/(n+m) when the reference is a sample of m rows."""
    if not n_reference:
        return float(n_window)
    return n_window * n_reference / (n_window + n_reference)


def psi_critical(bins: int, n_window: int, n_reference: int | None, alpha: float = ALPHA
                 ) -> float:
    """The PSI that noise alone passes with probability alpha: chi2(J-1, 1-alpha) / n_eff."""
    n = effective_size(n_window, n_reference)
    return float(stats.chi2.ppf(1 - alpha, max(bins - 1, 1)) / n) if n else float("inf")


def psi_test(subject: str, reference: np.ndarray, window: np.ndarray, *,
             labels: list[str] | None = None, detector: str = "psi",
             alert: float = PSI_ALERT, alpha: float = ALPHA) -> DetectorResult:
    """PSI (or CSI) of one distribution, with the bins that moved it most."""
    reference, window = np.asarray(reference), np.asarray(window)
    keep = reference > 0  # a bin the reference never saw (no missing values) adds no freedom
    n_ref, n_win = int(reference.sum()), int(window.sum())
    value, parts = psi(reference, window)
    bins = int(keep.sum())
    critical = psi_critical(bins, n_win, n_ref, alpha)
    n_eff = effective_size(n_win, n_ref)
    p_value = float(stats.chi2.sf(n_eff * value, max(bins - 1, 1))) if n_win else None
    labels = labels or [f"bin {i + 1}" for i in range(len(reference))]
    attribution = [{"bin": labels[i], "order": int(i),
                    "reference": float(reference[i] / max(n_ref, 1)),
                    "window": float(window[i] / max(n_win, 1)), "contribution": float(parts[i])}
                   for i in np.argsort(-parts, kind="stable") if reference[i] or window[i]]
    return DetectorResult(
        detector=detector, subject=subject, statistic=value, threshold=max(alert, critical),
        n_reference=n_ref, n_window=n_win, p_value=p_value,
        verdict=verdict(value, max(alert, critical), enough=_expected_counts_suffice(
            reference, n_win)),
        detail={"business_threshold": alert, "size_critical": critical, "alpha": alpha,
                "bins": attribution})


def _expected_counts_suffice(reference: np.ndarray, n_window: int) -> bool:
    """The chi-square reading of PSI needs about 5 expected rows in every reference bin
    (Cochran's rule); with fewer, the empty bins alone make PSI large."""
    shares = reference[reference > 0] / max(reference.sum(), 1)
    return n_window > 0 and bool(len(shares)) and n_window * shares.min() >= MIN_EXPECTED


def compare_samples(subject: str, reference: np.ndarray, window: np.ndarray, *,
                    bins: int = 10, detector: str = "csi", alert: float = PSI_ALERT,
                    alpha: float = ALPHA) -> tuple[DetectorResult, DetectorResult]:
    """PSI over the reference's deciles and the exact KS of two raw samples (a baseline window
    and this one), each sorted once: the bins and both CDFs are searches in the sorted copies.
    Missing values (NaN) are a bin of their own and take no part in KS."""
    a, b = _sorted_present(reference), _sorted_present(window)
    levels = np.linspace(0, 1, bins + 1)[1:-1]
    edges = np.unique(_sorted_quantiles(a, levels)) if len(a) else np.zeros(0)

    def counts(s: np.ndarray, total: int) -> np.ndarray:
        inside = np.diff(np.searchsorted(s, edges, side="left"), prepend=0, append=len(s))
        return np.append(inside, total - len(s))

    drift = psi_test(subject, counts(a, len(reference)), counts(b, len(window)),
                     detector=detector, alert=alert, alpha=alpha)
    if not (len(a) and len(b)):
        return drift, _ks_result(subject, 0.0, len(a), len(b), alpha)
    return drift, _ks_result(subject, _ks_sorted(a, b), len(a), len(b), alpha)


def _sorted_present(values: np.ndarray) -> np.ndarray:
    s = np.sort(np.asarray(values, dtype=np.float64))
    return s[:np.searchsorted(s, np.inf, side="right")]  # NaN sorts after +inf


def _sorted_quantiles(s: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """numpy.quantile's default (linear) method on an already sorted array, to the last bit:
    an edge one ulp away would move a value lying on it to the next bin."""
    at = (len(s) - 1) * levels
    low = np.floor(at).astype(np.int64)
    high = np.minimum(low + 1, len(s) - 1)
    t = at - low
    a, b = s[low], s[high]
    return np.where(t >= 0.5, b - (b - a) * (1 - t), a + (b - a) * t)  # numpy's _lerp


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """sup |F_a - F_b| (eq. 38.6) over the pooled sample, as scipy.stats.ks_2samp."""
    a, b = np.sort(np.asarray(a, dtype=np.float64)), np.sort(np.asarray(b, dtype=np.float64))
    return _ks_sorted(a, b)


def _ks_sorted(a: np.ndarray, b: np.ndarray) -> float:
    pooled = np.concatenate([a, b])
    f_a = np.searchsorted(a, pooled, side="right") / len(a)
    f_b = np.searchsorted(b, pooled, side="right") / len(b)
    return float(np.max(np.abs(f_a - f_b)))


def ks_p_value(d: float, n_a: int, n_b: int) -> float:
    """The asymptotic two-sided p-value scipy's ks_2samp(method="asymp") gives; 1 where scipy
    gives NaN (one row on each side: nothing can be rejected)."""
    n = np.round(n_a * n_b / (n_a + n_b))
    if n < 1:
        return 1.0
    return float(np.clip(stats.kstwo.sf(d, n), 0.0, 1.0))


def ks_test(subject: str, reference: np.ndarray, window: np.ndarray, *, alpha: float = ALPHA
            ) -> DetectorResult:
    """Two-sample KS between a reference sample (an earlier window) and this window."""
    n_ref, n_win = len(reference), len(window)
    d = ks_statistic(reference, window) if n_ref and n_win else 0.0
    return _ks_result(subject, d, n_ref, n_win, alpha)  # insufficient when either is empty


def ks_from_grid(subject: str, levels: np.ndarray, window_cdf: np.ndarray, n_reference: int,
                 n_window: int, *, alpha: float = ALPHA) -> DetectorResult:
    """KS against a reference kept as quantiles: the reference CDF at its own quantile q_k is
    level u_k, so D = max_k |u_k - F_window(q_k)|. A lower bound on the exact D, within the grid
    step (0.01 for percentiles)."""
    d = float(np.max(np.abs(np.asarray(levels) - np.asarray(window_cdf)))) if n_window else 0.0
    return _ks_result(subject, d, n_reference, n_window, alpha, grid=len(levels))


def _ks_result(subject: str, d: float, n_ref: int, n_win: int, alpha: float,
               grid: int | None = None) -> DetectorResult:
    enough = n_ref > 0 and n_win > 0
    p = ks_p_value(d, n_ref, n_win) if enough else None
    # the D that noise alone passes with probability alpha, for these sizes
    critical = float(stats.kstwo.isf(alpha, np.round(effective_size(n_win, n_ref)))) \
        if enough else 1.0
    return DetectorResult(detector="ks", subject=subject, statistic=d, threshold=critical,
                          n_reference=n_ref, n_window=n_win, p_value=p,
                          verdict=verdict(d, critical, enough=enough),
                          detail={"alpha": alpha, **({"grid_levels": grid} if grid else {})})


def wasserstein(a: np.ndarray, b: np.ndarray) -> float:
    """W1 = integral |F_a - F_b| dx (eq. 38.9), as scipy.stats.wasserstein_distance."""
    a, b = np.sort(np.asarray(a, dtype=np.float64)), np.sort(np.asarray(b, dtype=np.float64))
    pooled = np.sort(np.concatenate([a, b]))
    f_a = np.searchsorted(a, pooled[:-1], side="right") / len(a)
    f_b = np.searchsorted(b, pooled[:-1], side="right") / len(b)
    return float(np.sum(np.abs(f_a - f_b) * np.diff(pooled)))


def wasserstein_from_grid(quantiles: np.ndarray, levels: np.ndarray, window_cdf: np.ndarray
                          ) -> float:
    """W1 over the reference's central range [q_first, q_last], from the window's CDF at the
    reference quantiles (trapezoids between grid points); mass beyond the range is not seen."""
    q = np.asarray(quantiles, dtype=np.float64)
    gap = np.abs(np.asarray(levels) - np.asarray(window_cdf))
    return float(np.sum((gap[1:] + gap[:-1]) / 2 * np.diff(q)))


def wasserstein_result(subject: str, distance: float, n_ref: int, n_win: int, *,
                       threshold: float, unit: str) -> DetectorResult:
    """W1 against a governed threshold in the score's own unit (points or probability)."""
    return DetectorResult(detector="wasserstein", subject=subject, statistic=distance,
                          threshold=threshold, n_reference=n_ref, n_window=n_win,
                          verdict=verdict(distance, threshold,
                                          enough=n_ref > 0 and n_win >= MIN_ROWS_W1),
                          detail={"unit": unit})
