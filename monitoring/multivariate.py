"""PCA-CSI (design notes 38.3.9): CSI on each retained principal component of the standardised
feature matrix. A correlated shift (applicants with high utilisation and low age stop
arriving while those with low utilisation and high age fill the gap) leaves every marginal,
and so every CSI, stable; it moves the components.

The loadings, the standardisation and each component's reference bins are fitted at training
on the validation rows and shipped in the signed reference profile; the window is projected
with them. A missing value is imputed with the reference mean (zero after standardising).
"""

from __future__ import annotations

import numpy as np

from artifacts.bundle.reference_profile import PcaProfile
from monitoring.drift import bin_counts, psi_test
from monitoring.results import DetectorResult


def project(profile: PcaProfile, columns: dict[str, np.ndarray]) -> np.ndarray:
    """Rows x components: the window's standardised numeric features times the loadings."""
    z = np.column_stack([(np.asarray(columns[name], dtype=np.float64) - mean) / sd
                         for name, mean, sd in zip(profile.features, profile.means,
                                                   profile.sds, strict=True)])
    np.nan_to_num(z, copy=False, nan=0.0)
    return z @ np.asarray(profile.loadings).T


def pca_csi(profile: PcaProfile, columns: dict[str, np.ndarray], *, alert: float,
            alpha: float) -> list[DetectorResult]:
    scores = project(profile, columns)
    results = []
    for k, component in enumerate(profile.components):
        edges = np.asarray(component.edges)
        window = bin_counts(scores[:, k], edges)
        results.append(psi_test(f"pc{k + 1}", np.asarray(component.counts), window,
                                detector="pca_csi", alert=alert, alpha=alpha))
    return results
