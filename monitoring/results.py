"""What every detector returns: a frozen result with its statistic, threshold, sample sizes and
verdict, so a report (or a person) can see why it said what it said."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    STABLE = "stable"  # no evidence of a change
    DRIFT = "drift"  # the statistic passed its threshold
    INSUFFICIENT = "insufficient"  # too few rows (or outcomes) to say


@dataclass(frozen=True, kw_only=True)
class DetectorResult:
    detector: str  # psi | csi | ks | wasserstein | pca_csi | page_hinkley | auc | delong | ...
    subject: str  # "score", a feature name, "pc1", "approval_rate", ...
    statistic: float
    threshold: float
    n_reference: int
    n_window: int
    verdict: Verdict
    p_value: float | None = None
    detail: dict[str, object] = field(default_factory=dict)

    @property
    def drifted(self) -> bool:
        return self.verdict is Verdict.DRIFT


def verdict(statistic: float, threshold: float, *, enough: bool = True) -> Verdict:
    if not enough:
        return Verdict.INSUFFICIENT
    return Verdict.DRIFT if statistic > threshold else Verdict.STABLE
