"""Reason codes: per feature an English and a Vietnamese text, the ranking method, baselines.

The factory builds them (`artifacts.factory.documents.build_reason_codes`); every field of the
contract has a code.
"""

from __future__ import annotations

from dataclasses import dataclass

from artifacts.bundle.scoring import METHOD, MIN_CONTRIBUTION

REASON_FORMAT = "seawall.reason_codes/v1"


@dataclass(frozen=True)
class ReasonCodes:
    top_n: int
    baseline: dict[str, float | str]
    codes: dict[str, dict[str, str]]  # field -> {"code", "en", "vi"}

    def to_dict(self) -> dict:
        return {"format": REASON_FORMAT, "method": METHOD,
                "description": "contribution = p(row) - p(row with the feature at its baseline); "
                               "reasons are the features that raise the probability of default "
                               f"most, by more than {MIN_CONTRIBUTION:g}",
                "min_contribution": MIN_CONTRIBUTION, "top_n": self.top_n,
                "baseline": self.baseline, "codes": self.codes}

    @classmethod
    def from_dict(cls, data: dict) -> ReasonCodes:
        return cls(top_n=int(data["top_n"]), baseline=dict(data["baseline"]),
                   codes=dict(data["codes"]))
