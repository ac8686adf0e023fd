"""The golden set: fixed input rows with the scores and reasons they must produce anywhere.

Onshore verification replays these rows on its own onnxruntime and compares (parity <= 1e-5,
identical reason codes). Missing values are JSON null. Reading it needs numpy only: the onshore
side never loads pandas.
"""

from __future__ import annotations

import numpy as np

from artifacts.bundle.contract import ColumnType, Contract

GOLDEN_FORMAT = "seawall.golden_set/v1"


def golden_feeds(golden: dict, contract: Contract) -> dict[str, np.ndarray]:
    """The golden rows as ONNX feeds, typed as training data was (NaN / "" for missing)."""
    index = {name: j for j, name in enumerate(golden["columns"])}
    rows = golden["rows"]
    feeds = {}
    for f in contract.fields:
        j = index[f.name]
        if f.type is ColumnType.NUMERIC:
            column = np.array([np.nan if r[j] is None else r[j] for r in rows], dtype=np.float64)
        else:
            column = np.array(["" if r[j] is None else str(r[j]) for r in rows], dtype=object)
        feeds[f.name] = column.reshape(-1, 1)
    return feeds
