"""The golden set: fixed input rows with the scores and reasons they must produce anywhere.

Onshore verification replays these rows on its own onnxruntime and compares (parity <= 1e-5,
identical reason codes). Missing values are JSON null.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from artifacts.contract import Contract
from artifacts.spec import ColumnType

GOLDEN_FORMAT = "seawall.golden_set/v1"


def build_golden_set(frame: pd.DataFrame, contract: Contract, probabilities: np.ndarray,
                     reasons: list[list[str]], *, source: str) -> dict:
    rows = []
    for record in frame[contract.names].itertuples(index=False, name=None):
        rows.append([_json_value(v) for v in record])
    return {"format": GOLDEN_FORMAT, "source": source, "columns": contract.names, "rows": rows,
            "expected": {"probability": [float(p) for p in probabilities],
                         "reason_codes": reasons}}


def golden_frame(golden: dict, contract: Contract) -> pd.DataFrame:
    """The golden rows as a frame typed like training data (NaN / "" for missing)."""
    frame = pd.DataFrame(golden["rows"], columns=golden["columns"], dtype=object)
    for f in contract.fields:
        if f.type is ColumnType.NUMERIC:
            frame[f.name] = pd.to_numeric(frame[f.name]).astype(np.float64)
        else:
            frame[f.name] = frame[f.name].map(lambda v: "" if v is None else str(v)).astype(object)
    return frame


def _json_value(value):
    if isinstance(value, str):
        return value or None
    value = float(value)
    return None if math.isnan(value) else value
