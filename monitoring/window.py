"""A window of decisions summarised against the signed reference profile, chunk by chunk.

Against the profile everything a drift detector needs is a count: rows per reference bin (PSI,
CSI, PCA-CSI) and rows at or below each reference quantile (the window's CDF on the grid, for
KS and Wasserstein-1). Counts add, so a window of any size is read in chunks with memory set by
the chunk, not the window; and no row is sorted.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from artifacts.bundle.reference_profile import (
    CategoricalProfile,
    NumericProfile,
    bin_counts,
    category_labels,
)
from monitoring.drift import ALPHA, PSI_ALERT, ks_from_grid, psi_test, wasserstein_from_grid
from monitoring.results import DetectorResult


class NumericWindow:
    """Counts of one numeric column (a feature, the score, a component) against its profile."""

    def __init__(self, subject: str, profile: NumericProfile, *, grid: bool = True) -> None:
        """`grid=False`: bin counts only (CSI), no CDF on the percentile grid (KS, W1)."""
        self.subject, self.profile = subject, profile
        self.edges = np.asarray(profile.edges, dtype=np.float64)
        self.grid = np.asarray(profile.quantiles if grid else [], dtype=np.float64)
        self.counts = np.zeros(len(profile.counts), dtype=np.int64)
        self.at_or_below = np.zeros(len(self.grid), dtype=np.int64)
        self.present = 0

    def add(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.float64)
        self.counts += bin_counts(values, self.edges, self.profile.missing_bin)
        present = values[~np.isnan(values)]
        self.present += len(present)
        if len(self.grid):  # rows <= q_k for every k: those with no more than k grid values
            below = np.searchsorted(self.grid, present, side="left")  # ...strictly below them
            self.at_or_below += np.cumsum(np.bincount(below, minlength=len(self.grid) + 1)
                                          )[:len(self.grid)]

    def cdf(self) -> np.ndarray:
        return self.at_or_below / max(self.present, 1)

    def psi(self, *, detector: str = "csi", alert: float = PSI_ALERT, alpha: float = ALPHA,
            reference: np.ndarray | None = None) -> DetectorResult:
        """Against the profile's counts, or `reference` (another window's, same bins)."""
        labels = [*_bin_labels(self.edges), "missing"]
        return psi_test(self.subject, _or(reference, self.profile.counts), self.counts,
                        labels=labels, detector=detector, alert=alert, alpha=alpha)

    def ks(self, alpha: float = ALPHA) -> DetectorResult:
        return ks_from_grid(self.subject, np.asarray(self.profile.levels), self.cdf(),
                            self.profile.present, self.present, alpha=alpha)

    def wasserstein(self) -> float:
        return wasserstein_from_grid(self.grid, np.asarray(self.profile.levels), self.cdf())


class CategoricalWindow:
    def __init__(self, subject: str, profile: CategoricalProfile) -> None:
        self.subject, self.profile = subject, profile
        self.names = list(profile.categories)
        self.index = {name: i for i, name in enumerate(self.names)}
        self.other = self.index[profile.other_into]
        self.counts = np.zeros(len(self.names), dtype=np.int64)

    def add(self, values) -> None:
        """Counted by distinct value (hashing, no sort): a window holds few categories."""
        for value, count in Counter(values).items():
            label = category_labels([value])[0]
            self.counts[self.index.get(label, self.other)] += count

    def psi(self, *, detector: str = "csi", alert: float = PSI_ALERT, alpha: float = ALPHA,
            reference: np.ndarray | None = None) -> DetectorResult:
        return psi_test(self.subject, _or(reference, list(self.profile.categories.values())),
                        self.counts, labels=self.names, detector=detector, alert=alert,
                        alpha=alpha)


def _or(reference: np.ndarray | None, counts: list[int]) -> np.ndarray:
    return np.asarray(counts if reference is None else reference)


def _bin_labels(edges: np.ndarray) -> list[str]:
    bounds = ["-inf", *(f"{e:.6g}" for e in edges), "+inf"]
    return [f"[{lo}, {hi})" for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
