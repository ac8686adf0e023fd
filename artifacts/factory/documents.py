"""The bundle's documents as the factory builds them from data: contract fields from the spec,
reason codes and baselines from the training frame, the golden set from scored rows.

The onshore side reads these documents with `artifacts.bundle` (numpy only); building them
needs pandas, so it lives here.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from artifacts.bundle import (
    ColumnType,
    Contract,
    Field,
    GoldenExpected,
    GoldenSet,
    ReasonCodes,
    category_codes,
)
from artifacts.factory.spec import DatasetSpec

TOP_N = 4  # adverse-action notices conventionally list up to four principal reasons


def contract_fields(spec: DatasetSpec, learned: dict[str, tuple[str, ...]]) -> tuple[Field, ...]:
    """Fields in spec order; categories come from the spec, else from what training saw."""
    fields = []
    for c in spec.features:
        categories = ((c.categories or learned.get(c.name))
                      if c.type is ColumnType.CATEGORICAL else None)
        fields.append(Field(name=c.name, type=c.type, nullable=c.nullable, minimum=c.minimum,
                            maximum=c.maximum, description=c.description, categories=categories,
                            codes=category_codes(categories)))
    return tuple(fields)


def build_golden_set(frame: pd.DataFrame, contract: Contract, probabilities: np.ndarray,
                     reasons: list[list[str]], *, source: str) -> GoldenSet:
    rows = [[_json_value(v) for v in record]
            for record in frame[contract.names].itertuples(index=False, name=None)]
    return GoldenSet(source=source, columns=contract.names, rows=rows, expected=GoldenExpected(
        probability=[float(p) for p in probabilities], reason_codes=reasons))


def golden_frame(golden: GoldenSet, contract: Contract) -> pd.DataFrame:
    """The golden rows as a frame typed like training data (NaN / "" for missing)."""
    frame = pd.DataFrame(golden.rows, columns=golden.columns, dtype=object)
    for f in contract.fields:
        if f.type is ColumnType.NUMERIC:
            frame[f.name] = pd.to_numeric(frame[f.name]).astype(np.float64)
        else:
            frame[f.name] = frame[f.name].map(lambda v: "" if v is None else str(v)).astype(object)
    return frame


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


def _json_value(value):
    if isinstance(value, str):
        return value or None
    value = float(value)
    return None if math.isnan(value) else value
