"""Reason codes: per feature an English and a Vietnamese text, the ranking method, baselines.

Texts come from the spec (`reason: {en, vi}`); a feature without one gets a generic text that
names the column, so every field of the contract has a code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from artifacts.contract import Contract
from artifacts.scoring import METHOD, MIN_CONTRIBUTION
from artifacts.spec import ColumnType, DatasetSpec

REASON_FORMAT = "seawall.reason_codes/v1"
TOP_N = 4  # adverse-action notices conventionally list up to four principal reasons


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


def build_reason_codes(spec: DatasetSpec, contract: Contract, train: pd.DataFrame) -> ReasonCodes:
    columns = {c.name: c for c in spec.features}
    baseline: dict[str, float | str] = {}
    codes: dict[str, dict[str, str]] = {}
    for i, f in enumerate(contract.fields, start=1):
        values = train[f.name]
        if f.type is ColumnType.NUMERIC:
            baseline[f.name] = float(np.nanmedian(values.to_numpy(dtype=np.float64)))
        else:
            present = values[values != ""]
            baseline[f.name] = str(present.mode().iloc[0]) if len(present) else ""
        text = columns[f.name].reason
        codes[f.name] = {
            "code": f"RC{i:02d}",
            "en": text.en if text else f"Value of {f.name}",
            "vi": text.vi if text else f"Giá trị của {f.name}",
        }
    return ReasonCodes(top_n=TOP_N, baseline=baseline, codes=codes)
