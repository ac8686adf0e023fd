"""Read training data against its spec: CSV (any, pandas 3 string dtypes included) and the UCI
"default of credit card clients" file as published (CSV, or the original XLS with its extra
header row).

`read_header` reads column names only, so residency and undeclared columns are refused before a
row is read. `load_dataset` then checks every value against the spec, vectorised per column, and
reports every problem with its line, column and rule in one error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from artifacts.bundle import ColumnType, sha256_file
from artifacts.errors import DataError
from artifacts.factory.spec import ColumnSpec, DatasetSpec, Role

_MAX_REPORTED = 20  # problems listed in one error; the count says how many more there were
_EXCEL = (".xls",)


@dataclass(frozen=True)
class Header:
    """Where each spec column sits in a file, and how file rows map to lines."""

    path: Path
    columns: dict[str, str]  # spec name -> name in the file
    header_row: int  # 0-based row of the header in the file (1 for the UCI XLS)

    def line(self, row: int) -> int:
        """1-based line (or sheet row) of the 0-based data row `row`."""
        return row + self.header_row + 2


@dataclass(frozen=True)
class Dataset:
    """Checked training data: columns in spec order, named as in the spec.

    Numeric columns are float64 (NaN for missing); categorical columns hold canonical strings
    ("" for missing); the target is int64 0/1.
    """

    frame: pd.DataFrame
    spec: DatasetSpec
    source: Path
    sha256: str

    @property
    def rows(self) -> int:
        return len(self.frame)

    @property
    def target(self) -> np.ndarray:
        return self.frame[self.spec.target.name].to_numpy(dtype=np.int64)

    def features(self) -> pd.DataFrame:
        return self.frame[[c.name for c in self.spec.features]]


def read_header(path: Path, spec: DatasetSpec) -> Header:
    """Match the file's column names to the spec without reading any row."""
    _require_file(path)
    if path.suffix.lower() in _EXCEL:
        names = _excel_names(path, header_row=0)
        header_row = 0
        if not _matches(spec, names) and _matches(spec, _excel_names(path, header_row=1)):
            names, header_row = _excel_names(path, header_row=1), 1  # UCI XLS: X1..Y row first
    elif path.suffix.lower() == ".xlsx":
        raise DataError(f"{path}: .xlsx is not supported; save the sheet as CSV")
    else:
        try:
            names = [str(n).strip() for n in pd.read_csv(path, nrows=0).columns]
        except pd.errors.EmptyDataError:
            raise DataError(f"{path}: file is empty (no header, no rows)") from None
        except (UnicodeDecodeError, pd.errors.ParserError) as e:
            raise DataError(f"{path}: not a readable CSV file ({e})") from None
        header_row = 0
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise DataError(f"{path}: column '{dupes[0]}' appears more than once in the header")
    columns, missing = {}, []
    for col in spec.columns:
        found = [n for n in (col.name, *col.aliases) if n in names]
        if found:
            columns[col.name] = found[0]
        else:
            missing.append(col.name)
    if missing:
        raise DataError(f"{path}: column '{missing[0]}' declared in {spec.path.name} is missing "
                        f"from the data ({len(missing)} missing: {', '.join(missing)})")
    undeclared = [n for n in names if n not in columns.values()]
    if undeclared:
        raise DataError(
            f"{path}: column '{undeclared[0]}' is not declared in {spec.path.name}. Its data "
            f"class is unknown, so it cannot be shown to be allowed in this region; declare it "
            f"(role: excluded if unused) or remove it ({len(undeclared)} undeclared)")
    return Header(path=path, columns=columns, header_row=header_row)


def load_dataset(path: Path, spec: DatasetSpec, header: Header | None = None) -> Dataset:
    """Read every row of `path` and check it against `spec` (see the module docstring)."""
    header = header or read_header(path, spec)
    if path.suffix.lower() in _EXCEL:
        raw = pd.read_excel(path, header=header.header_row, dtype=object, engine="calamine")
        raw.columns = [str(c).strip() for c in raw.columns]
    else:
        raw = pd.read_csv(path, dtype=str, skipinitialspace=True)
        raw.columns = [c.strip() for c in raw.columns]
    if raw.empty:
        raise DataError(f"{path}: has a header but no data rows")
    raw = raw.rename(columns={v: k for k, v in header.columns.items()})
    frame = prepare_frame(raw, spec, where=str(path), line=header.line)
    return Dataset(frame=frame, spec=spec, source=path, sha256=sha256_file(path))


def prepare_frame(raw: pd.DataFrame, spec: DatasetSpec, *, where: str,
                  line: Callable[[int], int] = lambda row: row + 2) -> pd.DataFrame:
    """Type and check a frame whose columns carry spec names (any dtypes, pandas 3 included)."""
    problems: list[str] = []
    out: dict[str, pd.Series] = {}
    for col in spec.columns:
        series = raw[col.name].reset_index(drop=True)
        if col.role is Role.TARGET and col.type is ColumnType.NUMERIC:
            continue  # _binary_target checks it, with the hints a target needs
        if col.type is ColumnType.NUMERIC:
            out[col.name] = _numeric(series, col, problems, line)
        else:
            out[col.name] = _categorical(series, col, problems, line)
        if col.role is Role.FEATURE:
            _informative(out[col.name], col, problems)
    if not problems:  # checked on the raw values, so errors quote what the file says
        target = raw[spec.target.name].reset_index(drop=True)
        out[spec.target.name] = _binary_target(target, spec.target, problems, line)
    if problems:
        shown = problems[:_MAX_REPORTED]
        more = len(problems) - len(shown)
        tail = f"\n  ... and {more} more" if more else ""
        raise DataError(f"{where}: {len(problems)} problem(s) in the data:\n  "
                        + "\n  ".join(shown) + tail)
    return pd.DataFrame(out)


def _numeric(series: pd.Series, col: ColumnSpec, problems: list[str], line) -> pd.Series:
    text = series.astype("string").str.strip()
    present = text.notna() & (text != "")
    values = pd.to_numeric(text.where(present), errors="coerce").astype("float64")
    _report(problems, col, line, present & values.isna(), text, "is not a number")
    _report(problems, col, line, np.isinf(values), text, "is not a finite number")
    values = values.where(np.isfinite(values))
    if not col.nullable:
        _report(problems, col, line, ~present, text, "is missing and the column is not nullable")
    if col.minimum is not None:
        outside = (values < col.minimum) | (values > col.maximum)
        _report(problems, col, line, outside, text,
                f"is outside the allowed range [{col.minimum:g}, {col.maximum:g}]")
    return values


def _categorical(series: pd.Series, col: ColumnSpec, problems: list[str], line) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series.dtype):
        series = series.astype("float64")
    text = series.astype("string").str.strip()
    text = text.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)  # 1.0 from a sheet is "1"
    present = text.notna() & (text != "")
    if not col.nullable:
        _report(problems, col, line, ~present, text, "is missing and the column is not nullable")
    if col.categories is not None:
        unknown = present & ~text.isin(col.categories)
        _report(problems, col, line, unknown, text,
                f"is not an allowed category ({', '.join(col.categories)})")
    return text.fillna("").astype(object)


def _informative(values: pd.Series, col: ColumnSpec, problems: list[str]) -> None:
    present = values[values != ""] if values.dtype == object else values.dropna()
    if present.empty:
        problems.append(f"column '{col.name}': every value is missing; a feature needs data")
    elif present.nunique() == 1:
        problems.append(f"column '{col.name}': constant (every value is {present.iloc[0]!r}); "
                        "it carries no signal, so declare it role: excluded")


def _binary_target(values: pd.Series, col: ColumnSpec, problems: list[str], line) -> pd.Series:
    """The target as int64 0/1: numeric 0/1 as it is, or 1 where it equals the spec's
    `positive` value (compared in canonical form, so 2, "2" and 2.0 are one value)."""
    text = values.astype("string").str.strip()
    missing = (text == "") | text.isna()
    _report(problems, col, line, missing, text, "is missing (every row needs its outcome)")
    if col.positive is None:
        numeric = pd.to_numeric(text.where(~missing), errors="coerce")
        _report(problems, col, line, ~missing & numeric.isna(), text,
                "is not 0 or 1; if the target is text (good/bad, Y/N), declare it type: "
                "categorical with positive: <the value that means default>")
        _report(problems, col, line, numeric.notna() & ~numeric.isin([0, 1]), text,
                "target must be 0 or 1 (or say which value means default with positive:)")
        if problems:
            return values
        flags = numeric.astype("int64")
    else:
        canonical = text.fillna("").map(_canonical_text)
        if col.type is ColumnType.NUMERIC:
            bad = ~missing & pd.to_numeric(text.where(~missing), errors="coerce").isna()
            _report(problems, col, line, bad, text, "is not a number")
        if problems:
            return values
        seen = sorted(set(canonical[~missing.fillna(True).to_numpy(dtype=bool)]))
        if len(seen) > 2:
            problems.append(f"column '{col.name}': a target has two values, this one has "
                            f"{len(seen)} ({', '.join(seen[:6])}{', ...' if len(seen) > 6 else ''})")
            return values
        if col.positive not in seen:
            problems.append(f"column '{col.name}': the positive value {col.positive!r} (default) "
                            f"never occurs; the target's values are {', '.join(seen)}")
            return values
        flags = (canonical == col.positive).astype("int64")
    classes = sorted(flags.unique())
    if len(classes) < 2:
        meaning = "defaults" if classes[0] == 1 else "non-defaults"
        problems.append(f"column '{col.name}': only {meaning} are present (every value is "
                        f"{text.iloc[0]!r}); a default model needs both")
    return flags


def _canonical_text(value: str) -> str:
    from artifacts.factory.spec import canonical_category

    try:
        number = float(value)
    except ValueError:
        return canonical_category(value)
    return canonical_category(number) if number == number else value


def _report(problems: list[str], col: ColumnSpec, line, mask: pd.Series, shown: pd.Series,
            rule: str) -> None:
    rows = np.flatnonzero(pd.Series(mask).fillna(False).to_numpy(dtype=bool))
    for row in rows[:5]:
        value = shown.iloc[row]
        value = "(empty)" if pd.isna(value) or value == "" else repr(value)
        problems.append(f"line {line(int(row))}, column '{col.name}': {value} {rule}")
    if len(rows) > 5:
        problems.append(f"column '{col.name}': {len(rows) - 5} more value(s) that {rule}")


def _require_file(path: Path) -> None:
    if not path.exists():
        raise DataError(f"{path}: data file not found")
    if not path.is_file():
        raise DataError(f"{path}: not a file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: file is empty (no header, no rows)")


def _excel_names(path: Path, header_row: int) -> list[str]:
    try:
        frame = pd.read_excel(path, header=header_row, nrows=0, engine="calamine")
    except Exception as e:  # calamine raises its own error family for corrupt workbooks
        raise DataError(f"{path}: not a readable .xls workbook ({e})") from None
    return [str(n).strip() for n in frame.columns]


def _matches(spec: DatasetSpec, names: list[str]) -> bool:
    return all(any(n in names for n in (c.name, *c.aliases)) for c in spec.columns)
