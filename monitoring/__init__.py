"""Drift and performance monitoring, onshore, where the scored rows live.

Every detector returns a frozen `DetectorResult` (statistic, threshold, sample sizes, p-value
where there is one, verdict) and is vectorised numpy/scipy. The reference is the bundle's
signed reference profile (`artifacts.bundle.reference_profile`, aggregates only) or an earlier
window. Public API::

    from monitoring import psi_test, ks_test, page_hinkley_test, auc_test, delong_test

    result = psi_test("score", reference_counts, window_counts)
    if result.drifted: ...
"""

from regions import _exports

_EXPORTS = {
    "Correction": "monitoring.multiple",
    "DetectorResult": "monitoring.results",
    "Verdict": "monitoring.results",
    "auc_test": "monitoring.performance",
    "benjamini_hochberg": "monitoring.multiple",
    "bonferroni": "monitoring.multiple",
    "calibrate_lambda": "monitoring.sequential",
    "calibration_test": "monitoring.performance",
    "delong": "monitoring.performance",
    "delong_test": "monitoring.performance",
    "ks_from_grid": "monitoring.drift",
    "ks_test": "monitoring.drift",
    "page_hinkley": "monitoring.sequential",
    "page_hinkley_test": "monitoring.sequential",
    "pca_csi": "monitoring.multivariate",
    "psi": "monitoring.drift",
    "psi_critical": "monitoring.drift",
    "psi_test": "monitoring.drift",
    "significant": "monitoring.multiple",
    "wasserstein": "monitoring.drift",
    "wasserstein_from_grid": "monitoring.drift",
}
__getattr__, __dir__ = _exports.lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
