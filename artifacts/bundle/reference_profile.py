"""The signed reference profile (`reference_profile.json`): what the onshore monitor compares a
window of decisions with, written at training from the validation rows and signed with the rest
of the bundle.

Aggregates only. Every cell shipped (a bin, a category, a calibration decile) holds at least
`min_cell` rows: a smaller bin is merged into its smaller neighbour, a rare category into
"other", and the quantile grid stops `min_cell` rows short of either end, so no single
applicant's value (a minimum, a maximum, a one-off category) leaves the training tier.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from artifacts.bundle.auc import bootstrap_auc
from artifacts.documents import Document

PROFILE_FILE = "reference_profile.json"
MIN_CELL = 20
BINS = 10
OTHER = "(other)"
MISSING = "(missing)"
MAX_COMPONENTS = 10
EXPLAINED = 0.90  # PCA keeps the components that explain this share of the variance


@dataclass(frozen=True, kw_only=True)
class NumericProfile:
    edges: list[float]  # interior edges; bin k is [edges[k-1], edges[k])
    counts: list[int]  # one per value bin, then the missing bin
    missing_bin: int  # where a missing value is counted (its own bin, or merged into one)
    levels: list[float]  # quantile grid over the non-missing values...
    quantiles: list[float]  # ...and the values at those levels
    mean: float
    sd: float
    present: int  # rows with a value


@dataclass(frozen=True, kw_only=True)
class CategoricalProfile:
    categories: dict[str, int]  # each category with at least min_cell rows; "(other)" last
    other_into: str  # where an unseen or rare category is counted


@dataclass(frozen=True, kw_only=True)
class FeatureProfile:
    numeric: NumericProfile | None = None
    categorical: CategoricalProfile | None = None


@dataclass(frozen=True, kw_only=True)
class PcaProfile:
    features: list[str]
    means: list[float]
    sds: list[float]
    loadings: list[list[float]]  # components x features
    explained: list[float]  # share of variance of each kept component
    components: list[NumericProfile]


@dataclass(frozen=True, kw_only=True)
class CalibrationDecile:
    decile: int
    rows: int
    mean_predicted: float
    observed_rate: float


@dataclass(frozen=True, kw_only=True)
class ReferenceAuc:
    auc: float
    low: float
    high: float
    level: float
    replicates: int
    positives: int
    negatives: int


@dataclass(frozen=True, kw_only=True)
class ReferenceProfile(Document):
    FORMAT: ClassVar[str] = "seawall.reference_profile/v1"
    source: str  # which rows: "validation"
    rows: int
    min_cell: int
    default_rate: float
    score: NumericProfile
    features: dict[str, FeatureProfile]
    pca: PcaProfile | None
    calibration: list[CalibrationDecile]
    auc: ReferenceAuc
    # mean |reason-code contribution| per feature over the validation rows, largest first:
    # which features the monitor's P1 CSI rule watches (the plan's top N); {} in bundles
    # signed before it was recorded (then every feature counts as a top feature)
    importance: dict[str, float] = field(default_factory=dict)

    def top_features(self, n: int) -> set[str]:
        return set(list(self.importance)[:n]) if self.importance else set(self.features)


def bin_counts(values: np.ndarray, edges: np.ndarray, missing_bin: int | None = None
               ) -> np.ndarray:
    """Counts in the len(edges)+1 value bins, then the missing bin (NaN goes to `missing_bin`,
    its own bin by default); bin k holds [edges[k-1], edges[k]), as numpy.histogram."""
    values = np.asarray(values, dtype=np.float64)
    index = np.searchsorted(edges, values, side="right")
    index[np.isnan(values)] = len(edges) + 1 if missing_bin is None else missing_bin
    return np.bincount(index, minlength=len(edges) + 2).astype(np.int64)


def numeric_profile(values: np.ndarray, min_cell: int = MIN_CELL, bins: int = BINS
                    ) -> NumericProfile:
    values = np.asarray(values, dtype=np.float64)
    present = values[~np.isnan(values)]
    edges = np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1])) \
        if len(present) else np.zeros(0)
    counts = bin_counts(values, edges)
    while len(edges) and counts[:-1].min() < min_cell:  # merge the smallest into a neighbour
        k = int(np.argmin(counts[:-1]))
        right = k < len(edges) and (k == 0 or counts[k + 1] <= counts[k - 1])
        edges = np.delete(edges, k if right else k - 1)
        counts = bin_counts(values, edges)
    missing_bin = len(edges) + 1
    if 0 < counts[-1] < min_cell:  # too few missing values to ship: counted with the largest
        missing_bin = int(np.argmax(counts[:-1]))
        counts = bin_counts(values, edges, missing_bin)
    levels = _grid(len(present), min_cell)
    return NumericProfile(
        edges=edges.tolist(), counts=counts.tolist(), missing_bin=missing_bin,
        levels=levels.tolist(),
        quantiles=np.quantile(present, levels).tolist() if len(levels) else [],
        mean=float(present.mean()) if len(present) else 0.0,
        sd=float(present.std()) if len(present) else 0.0, present=len(present))


def _grid(n: int, min_cell: int) -> np.ndarray:
    """Percentile levels with at least min_cell rows beyond the first and the last."""
    levels = np.arange(1, 100) / 100
    return levels[(levels * n >= min_cell) & ((1 - levels) * n >= min_cell)]


def category_labels(values: np.ndarray) -> np.ndarray:
    """Categories as the profile counts them: text, with None, NaN and "" as "(missing)"."""
    return np.array([MISSING if v is None or v != v or v == "" else str(v) for v in values],
                    dtype=object)


def categorical_profile(values: np.ndarray, min_cell: int = MIN_CELL) -> CategoricalProfile:
    names, counts = np.unique(category_labels(values), return_counts=True)
    kept = {str(n): int(c) for n, c in zip(names, counts, strict=True) if c >= min_cell}
    rare = int(counts[counts < min_cell].sum())
    if rare >= min_cell or not kept:
        kept[OTHER] = rare
        return CategoricalProfile(categories=kept, other_into=OTHER)
    largest = max(kept, key=kept.get)
    kept[largest] += rare
    return CategoricalProfile(categories=kept, other_into=largest)


def pca_profile(columns: dict[str, np.ndarray], min_cell: int = MIN_CELL) -> PcaProfile | None:
    usable = {k: np.asarray(v, dtype=np.float64) for k, v in columns.items()
              if np.nanstd(np.asarray(v, dtype=np.float64)) > 0}
    if len(usable) < 2:
        return None
    names = list(usable)
    means = np.array([np.nanmean(usable[k]) for k in names])
    sds = np.array([np.nanstd(usable[k]) for k in names])
    z = np.nan_to_num((np.column_stack([usable[k] for k in names]) - means) / sds, nan=0.0)
    _, singular, vt = np.linalg.svd(z - z.mean(axis=0), full_matrices=False)
    share = singular ** 2 / np.sum(singular ** 2)
    keep = min(int(np.searchsorted(np.cumsum(share), EXPLAINED) + 1), MAX_COMPONENTS, len(share))
    vt = vt[:keep] * np.where(vt[:keep].sum(axis=1, keepdims=True) < 0, -1, 1)  # fixed signs
    projected = z @ vt.T
    return PcaProfile(features=names, means=means.tolist(), sds=sds.tolist(),
                      loadings=vt.tolist(), explained=share[:keep].tolist(),
                      components=[numeric_profile(projected[:, k], min_cell)
                                  for k in range(keep)])


def build_reference_profile(numeric: dict[str, np.ndarray], categorical: dict[str, np.ndarray],
                            y: np.ndarray, p: np.ndarray, *, source: str = "validation",
                            min_cell: int = MIN_CELL, seed: int = 0,
                            importance: dict[str, float] | None = None) -> ReferenceProfile:
    """The profile of the validation rows: `numeric` and `categorical` feature columns, the
    outcomes `y` and the model's probabilities `p`."""
    y, p = np.asarray(y).astype(np.int64), np.asarray(p, dtype=np.float64)
    features = {k: FeatureProfile(numeric=numeric_profile(v, min_cell))
                for k, v in numeric.items()}
    features |= {k: FeatureProfile(categorical=categorical_profile(v, min_cell))
                 for k, v in categorical.items()}
    interval = bootstrap_auc(y, p, seed=seed)
    return ReferenceProfile(
        source=source, rows=len(y), min_cell=min_cell, default_rate=float(y.mean()),
        score=numeric_profile(p, min_cell), features=features, pca=pca_profile(numeric, min_cell),
        calibration=_calibration(y, p, min_cell),
        auc=ReferenceAuc(auc=interval.auc, low=interval.low, high=interval.high,
                         level=interval.level, replicates=interval.replicates,
                         positives=interval.positives, negatives=interval.negatives),
        importance=dict(sorted((importance or {}).items(), key=lambda kv: -kv[1])))


def _calibration(y: np.ndarray, p: np.ndarray, min_cell: int) -> list[CalibrationDecile]:
    groups = max(1, min(10, len(y) // max(min_cell, 1)))
    order = np.argsort(p, kind="stable")
    return [CalibrationDecile(decile=i + 1, rows=len(g), mean_predicted=float(p[g].mean()),
                              observed_rate=float(y[g].mean()))
            for i, g in enumerate(np.array_split(order, groups))]
