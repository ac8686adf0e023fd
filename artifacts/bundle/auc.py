"""AUC by ranks and its stratified bootstrap interval, in numpy alone.

The training side records the reference interval in the bundle's reference profile and the
onshore monitor draws the window's interval with the same code, so the two are comparable.

The bootstrap resamples defaulters and non-defaulters separately (stratified by class, as the
design notes' 38.3.7 recommends for "is the model's discrimination drifting?"): the class ratio
moves with the credit cycle, and a bootstrap that lets it move too would mix base-rate drift
into discrimination. Each replicate is a vector of resampling counts, so B replicates are one
matrix product over the scores sorted once; ties count one half, as in the Mann-Whitney U.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BOOTSTRAP_REPLICATES = 1_000
_CHUNK = 50  # replicates per matrix product: (chunk x rows) counts at a time


@dataclass(frozen=True)
class AucInterval:
    auc: float
    low: float
    high: float
    level: float  # e.g. 0.95
    replicates: int
    positives: int
    negatives: int


def auc(y: np.ndarray, p: np.ndarray) -> float:
    """The area under the ROC curve: P(score of a defaulter > score of a non-defaulter),
    ties one half. Needs both classes."""
    y, p = _checked(y, p)
    ranks = _midranks(p)
    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def bootstrap_auc(y: np.ndarray, p: np.ndarray, *, replicates: int = BOOTSTRAP_REPLICATES,
                  level: float = 0.95, seed: int = 0) -> AucInterval:
    """The percentile interval of `replicates` class-stratified bootstrap AUCs."""
    y, p = _checked(y, p)
    pos_idx, neg_idx = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    rng = np.random.default_rng(seed)
    values = np.empty(replicates)
    for first in range(0, replicates, _CHUNK):
        b = min(_CHUNK, replicates - first)
        weights = np.zeros((b, len(y)))
        weights[:, pos_idx] = _counts(rng, len(pos_idx), b)
        weights[:, neg_idx] = _counts(rng, len(neg_idx), b)
        values[first:first + b] = weighted_aucs(y, p, weights)
    tail = (1 - level) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    return AucInterval(auc=auc(y, p), low=float(low), high=float(high), level=level,
                       replicates=replicates, positives=len(pos_idx), negatives=len(neg_idx))


def weighted_aucs(y: np.ndarray, p: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The AUC under each row of `weights` (replicates x rows, e.g. resampling counts): rows
    grouped by distinct score, a group's defaulters beat the non-defaulters below it."""
    order = np.argsort(p, kind="stable")
    p, pos, weights = p[order], y[order] == 1, np.atleast_2d(weights)[:, order]
    starts = np.flatnonzero(np.r_[True, p[1:] != p[:-1]])  # groups are contiguous once sorted
    g_pos = np.add.reduceat(weights * pos, starts, axis=1)
    g_neg = np.add.reduceat(weights * ~pos, starts, axis=1)
    below = np.cumsum(g_neg, axis=1) - g_neg
    wins = (g_pos * (below + 0.5 * g_neg)).sum(axis=1)
    return wins / (g_pos.sum(axis=1) * g_neg.sum(axis=1))


def _counts(rng: np.random.Generator, n: int, replicates: int) -> np.ndarray:
    """How often each of n rows is drawn in each of `replicates` resamples of size n."""
    return rng.multinomial(n, np.full(n, 1.0 / n), size=replicates).astype(np.float64)


def _midranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties given the mean of the ranks they span."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.r_[True, ordered[1:] != ordered[:-1]]
    first = np.flatnonzero(new)
    last = np.r_[first[1:], len(values)] - 1
    group = np.cumsum(new) - 1
    ranks = np.empty(len(values))
    ranks[order] = (first[group] + last[group]) / 2 + 1
    return ranks


def _checked(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y).astype(np.int64, copy=False)
    p = np.asarray(p, dtype=np.float64)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError(f"outcomes and scores must be two vectors of one length "
                         f"(got {y.shape} and {p.shape})")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("outcomes must be 0 (repaid) or 1 (defaulted)")
    if y.min(initial=1) == y.max(initial=0):
        raise ValueError("an AUC needs at least one defaulter and one non-defaulter")
    if not np.isfinite(p).all():
        raise ValueError("scores must be finite numbers")
    return y, p
