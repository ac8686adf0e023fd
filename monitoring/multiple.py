"""Multiple-testing control across features: with 23 features tested each window at 5 %, one
false CSI alarm a window is the expected outcome of no drift at all (design notes 38.2.5).

Benjamini-Hochberg (the default) keeps the expected share of false alarms among the flagged
features at q; Bonferroni keeps the chance of any false alarm at alpha, at a cost in power.
The report names the one used.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np


class Correction(StrEnum):
    BENJAMINI_HOCHBERG = "benjamini-hochberg"
    BONFERRONI = "bonferroni"


def benjamini_hochberg(p_values: np.ndarray, q: float = 0.05) -> np.ndarray:
    """Which hypotheses the step-up procedure rejects: every p at or below the largest
    p_(k) <= k q / m."""
    p = np.asarray(p_values, dtype=np.float64)
    m = len(p)
    if m == 0:
        return np.zeros(0, dtype=bool)
    order = np.argsort(p, kind="stable")
    passing = np.flatnonzero(p[order] <= q * np.arange(1, m + 1) / m)
    rejected = np.zeros(m, dtype=bool)
    if len(passing):
        rejected[order[:passing[-1] + 1]] = True
    return rejected


def bonferroni(p_values: np.ndarray, alpha: float = 0.05) -> np.ndarray:
    p = np.asarray(p_values, dtype=np.float64)
    return p <= alpha / max(len(p), 1)


def significant(p_values: np.ndarray, correction: Correction, level: float = 0.05
                ) -> np.ndarray:
    if correction is Correction.BONFERRONI:
        return bonferroni(p_values, level)
    return benjamini_hochberg(p_values, level)
