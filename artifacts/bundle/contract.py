"""The serving contract: the ordered input fields a model accepts, and what it returns.

The contract is versioned MAJOR.MINOR.PATCH against the previous version of the same model:
a change a client could trip over (a field removed, added as required, retyped, reordered, a
range narrowed, a category dropped, a field made required) bumps MAJOR; a change every old
request still satisfies (a range widened, a category or an optional field added, a field made
nullable) bumps MINOR; an identical contract keeps its version.
"""

from __future__ import annotations

import enum
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

CONTRACT_FORMAT = "seawall.contract/v1"


class ColumnType(str, enum.Enum):
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"


@dataclass(frozen=True, kw_only=True)
class Field:
    name: str
    type: ColumnType
    nullable: bool
    minimum: float | None = None
    maximum: float | None = None
    categories: tuple[str, ...] | None = None
    description: str = ""
    codes: str = "text"  # categorical: "integer" when every category is a whole number, so a
    # client may send 2 or "2" (contracts written before this field are "text")


@dataclass(frozen=True, kw_only=True)
class Output:
    name: str = "probability_of_default"
    onnx_output: str = "probabilities"
    column: int = 1
    minimum: float = 0.0
    maximum: float = 1.0
    description: str = ("Probability that the applicant defaults (the target value the spec "
                        "marks as default).")


@dataclass(frozen=True, kw_only=True)
class Contract:
    version: str
    fields: tuple[Field, ...]
    output: Output = field(default_factory=Output)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def onnx_feeds(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """One (n, 1) input per field: float64 for numeric, str objects for categorical."""
        feeds = {}
        for f in self.fields:
            column = frame[f.name].to_numpy()
            if f.type is ColumnType.NUMERIC:
                feeds[f.name] = column.astype(np.float64, copy=False).reshape(-1, 1)
            else:
                feeds[f.name] = column.astype(object, copy=False).reshape(-1, 1)
        return feeds

    def to_dict(self) -> dict:
        return {"format": CONTRACT_FORMAT, "version": self.version,
                "fields": [_field_dict(f) for f in self.fields], "output": asdict(self.output)}

    @classmethod
    def from_dict(cls, data: dict) -> Contract:
        fields = tuple(
            Field(name=f["name"], type=ColumnType(f["type"]), nullable=f["nullable"],
                  minimum=f.get("minimum"), maximum=f.get("maximum"),
                  categories=tuple(f["categories"]) if f.get("categories") else None,
                  description=f.get("description", ""), codes=f.get("codes", "text"))
            for f in data["fields"])
        return cls(version=data["version"], fields=fields, output=Output(**data["output"]))


def changes(previous: Contract, fields: tuple[Field, ...]) -> tuple[list[str], list[str]]:
    """(breaking, compatible) differences from `previous`, each a readable sentence."""
    breaking: list[str] = []
    compatible: list[str] = []
    old = {f.name: f for f in previous.fields}
    new = {f.name: f for f in fields}
    for name in old.keys() - new.keys():
        breaking.append(f"field '{name}' was removed")
    for name in new.keys() - old.keys():
        (compatible if new[name].nullable else breaking).append(
            f"field '{name}' was added" + (" (nullable)" if new[name].nullable else ""))
    kept_old = [n for n in previous.names if n in new]
    kept_new = [f.name for f in fields if f.name in old]
    if kept_old != kept_new:
        breaking.append("field order changed (ordered-array requests would be misread)")
    for name in kept_new:
        _compare_field(old[name], new[name], breaking, compatible)
    return breaking, compatible


def next_version(previous: Contract | None, fields: tuple[Field, ...]) -> str:
    if previous is None:
        return "1.0.0"
    major, minor, patch = (int(x) for x in previous.version.split("."))
    breaking, compatible = changes(previous, fields)
    if breaking:
        return f"{major + 1}.0.0"
    if compatible:
        return f"{major}.{minor + 1}.0"
    return previous.version


def _compare_field(a: Field, b: Field, breaking: list[str], compatible: list[str]) -> None:
    n = a.name
    if a.type is not b.type:
        breaking.append(f"field '{n}' changed type {a.type.value} -> {b.type.value}")
        return
    if a.nullable and not b.nullable:
        breaking.append(f"field '{n}' is no longer nullable")
    elif b.nullable and not a.nullable:
        compatible.append(f"field '{n}' became nullable")
    if a.minimum is not None or b.minimum is not None:
        lo_a, hi_a = _bounds(a)
        lo_b, hi_b = _bounds(b)
        if lo_b > lo_a or hi_b < hi_a:
            breaking.append(f"field '{n}' range narrowed [{lo_a:g}, {hi_a:g}] -> [{lo_b:g}, {hi_b:g}]")
        elif (lo_b, hi_b) != (lo_a, hi_a):
            compatible.append(f"field '{n}' range widened to [{lo_b:g}, {hi_b:g}]")
    cats_a, cats_b = set(a.categories or ()), set(b.categories or ())
    if cats_a - cats_b:
        breaking.append(f"field '{n}' dropped categories {sorted(cats_a - cats_b)}")
    if cats_b - cats_a:
        compatible.append(f"field '{n}' added categories {sorted(cats_b - cats_a)}")


def _bounds(f: Field) -> tuple[float, float]:
    lo = f.minimum if f.minimum is not None else float("-inf")
    hi = f.maximum if f.maximum is not None else float("inf")
    return lo, hi


def _field_dict(f: Field) -> dict:
    d = {"name": f.name, "type": f.type.value, "nullable": f.nullable}
    if f.type is ColumnType.NUMERIC:
        d["minimum"], d["maximum"] = f.minimum, f.maximum
    else:
        d["categories"] = list(f.categories or ())
        d["codes"] = f.codes
    d["description"] = f.description
    return d


def category_codes(categories: tuple[str, ...] | None) -> str:
    """ "integer" when every category is a whole number in canonical form ("2", "-1"), else
    "text"."""
    if categories and all(_INTEGER.fullmatch(c) for c in categories):
        return "integer"
    return "text"


_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
