"""A starting spec from a data file: every column's type, range or categories, nullability and a
suggested data class, each data class marked for review (nobody but the data's owner knows it).

Writing a spec by hand is the first hurdle of bringing one's own data; `seawall spec infer` writes
one that `load_spec` accepts and that loads the file it came from, for the user to correct.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from artifacts.errors import DataError
from artifacts.factory.loaders import _require_file
from artifacts.factory.spec import canonical_category

MAX_CATEGORIES = 50  # a text column with more distinct values is probably an identifier
# Column names that suggest personal data (Decree 13/2023 basic personal data; PDPL 2025).
_PII = re.compile(r"(^|_)(name|full_?name|phone|mobile|email|e_?mail|address|dob|birth|"
                  r"national_?id|cccd|cmnd|passport|tax_?code|account_?(no|number))($|_)",
                  re.IGNORECASE)
_ID = re.compile(r"(^|_)(id|key|uuid)$", re.IGNORECASE)


@dataclass(frozen=True)
class InferredColumn:
    name: str
    role: str
    type: str
    data_class: str
    nullable: bool
    range: tuple[float, float] | None
    categories: tuple[str, ...] | None
    note: str


def infer_columns(path: Path, target: str, positive: str | None) -> list[InferredColumn]:
    _require_file(path)  # missing, a directory, or empty: named as the training loader names it
    try:
        frame = pd.read_csv(path, dtype=str, skipinitialspace=True, keep_default_na=True)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise DataError(f"{path}: not a readable CSV file ({e})") from None
    if target not in frame.columns:
        raise DataError(f"{path}: no column '{target}' (columns: {', '.join(frame.columns)})")
    return [_infer(frame[name].str.strip(), name, target, positive, len(frame))
            for name in frame.columns]


def _infer(values: pd.Series, name: str, target: str, positive: str | None,
           rows: int) -> InferredColumn:
    present = values[values.notna() & (values != "")]
    numbers = pd.to_numeric(present, errors="coerce")
    numeric = len(present) > 0 and numbers.notna().all()
    nullable = len(present) < rows
    distinct = sorted({canonical_category(v) for v in present})
    pii = bool(_PII.search(name))
    data_class = "pii" if pii else "anonymous"
    note = ("looks like personal data: keep it onshore or drop it" if pii
            else "is it really not personal data?")
    if name == target:
        kind = "numeric" if numeric and positive is None else "categorical"
        return InferredColumn(name, "target", kind, data_class, False, None,
                              tuple(distinct) if kind == "categorical" and len(distinct) == 2
                              else None, "the outcome")
    if _ID.search(name) and present.nunique() == len(present) == rows:
        return InferredColumn(name, "id", "numeric" if numeric else "categorical", data_class,
                              nullable, None, None, "unique per row: a key, not a feature")
    if numeric:
        low, high = float(numbers.min()), float(numbers.max())
        if low == high:
            return InferredColumn(name, "excluded", "numeric", data_class, nullable, None, None,
                                  "constant: carries no signal")
        return InferredColumn(name, "feature", "numeric", data_class, nullable, (low, high), None,
                              f"{note} The range is what this file holds: widen it to every "
                              "valid value, or the service refuses the rest")
    if len(distinct) <= 1:
        return InferredColumn(name, "excluded", "categorical", data_class, nullable, None, None,
                              "constant or empty: carries no signal")
    if len(distinct) > MAX_CATEGORIES:
        return InferredColumn(name, "excluded", "categorical", data_class, nullable, None, None,
                              f"{len(distinct)} distinct values: free text or an identifier?")
    return InferredColumn(name, "feature", "categorical", data_class, nullable, None,
                          tuple(distinct), note)


def spec_yaml(columns: list[InferredColumn], *, name: str, source: Path,
              positive: str | None) -> str:
    """The spec as YAML text, with a comment on every column for the reviewer."""
    lines = [f"# Inferred by `seawall spec infer` from {source.name}. Review every line marked",
             "# REVIEW: data classes decide where the data may go, and only its owner knows them.",
             f"name: {_quote(name)}",
             f"description: {_quote('Inferred from ' + source.name)}",
             "card:",
             "  purpose: REVIEW - what the model estimates, for whom",
             "  owner: REVIEW - the accountable model owner",
             "  risk_tier: high",
             "columns:"]
    for c in columns:
        entry = [f"name: {_quote(c.name)}", f"role: {c.role}", f"type: {c.type}",
                 f"data_class: {c.data_class}"]
        if c.nullable:
            entry.append("nullable: true")
        if c.range is not None:
            entry.append(f"range: [{_number(c.range[0])}, {_number(c.range[1])}]")
        if c.categories is not None:
            entry.append(f"categories: [{', '.join(_quote(v) for v in c.categories)}]")
        if c.role == "target" and positive is not None:
            entry.append(f"positive: {_quote(canonical_category(positive))}")
        lines.append(f"  - {{{', '.join(entry)}}}  # REVIEW: {c.note}")
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _quote(text: str) -> str:
    """A YAML scalar: plain when safe, else single-quoted."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\- ]*", text) and text.strip() == text and \
            text.lower() not in ("yes", "no", "true", "false", "on", "off", "null", "y", "n"):
        return text
    return "'" + text.replace("'", "''") + "'"
