"""The golden set: fixed input rows with the scores and reasons they must produce anywhere.

Onshore verification replays these rows on its own onnxruntime and compares (parity <= 1e-5,
identical reason codes). Missing values are JSON null. Reading it needs numpy only: the onshore
side never loads pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np

from artifacts.bundle.contract import ColumnType, Contract
from artifacts.documents import Document

GOLDEN_FORMAT = "seawall.golden_set/v1"


@dataclass(frozen=True, kw_only=True)
class GoldenExpected:
    probability: list[float]
    reason_codes: list[list[str]]


@dataclass(frozen=True, kw_only=True)
class GoldenSet(Document):
    """`golden_set.json`: rows in contract order (null for missing), and what each must score."""

    FORMAT: ClassVar[str] = GOLDEN_FORMAT
    source: str
    columns: list[str]
    rows: list[list]
    expected: GoldenExpected

    def head(self, n: int) -> GoldenSet:
        return replace(self, rows=self.rows[:n], expected=GoldenExpected(
            probability=self.expected.probability[:n],
            reason_codes=self.expected.reason_codes[:n]))

    def named_rows(self, n: int | None = None) -> list[dict]:
        """Rows as objects of named fields (as a client sends them)."""
        return [dict(zip(self.columns, r)) for r in self.rows[:n]]


def golden_feeds(golden: GoldenSet, contract: Contract) -> dict[str, np.ndarray]:
    """The golden rows as ONNX feeds, typed as training data was (NaN / "" for missing)."""
    index = {name: j for j, name in enumerate(golden.columns)}
    rows = golden.rows
    feeds = {}
    for f in contract.fields:
        j = index[f.name]
        if f.type is ColumnType.NUMERIC:
            column = np.array([np.nan if r[j] is None else r[j] for r in rows], dtype=np.float64)
        else:
            column = np.array(["" if r[j] is None else str(r[j]) for r in rows], dtype=object)
        feeds[f.name] = column.reshape(-1, 1)
    return feeds
