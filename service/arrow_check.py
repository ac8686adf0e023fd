"""Contract enforcement on Apache Arrow columns: a request sent as an Arrow IPC stream
(`application/vnd.apache.arrow.stream`), or a Parquet file's record batches (`score-batch`).

The rules and their names are the JSON check's (`contract_check`), judged on whole columns with
Arrow compute kernels and numpy masks: no Python object is made per cell. Only a cell that
breaks a rule is read out, to be named in the violation. One column per contract field (named
after it, in any order, once: a name given twice is `duplicate_key`); numeric fields take any integer or floating type (and `null` when the
field is nullable), categorical fields take text (plain or dictionary-encoded; whole numbers
too when the contract codes them so); an optional `application_id` text column gives the ids.

Each row's decision record digests the row's values as JSON text, as for a JSON request. Here
the text is written column-wise by Arrow (`[v1,v2,...]` in contract order; numbers as the
shortest text of the value scored, categories as their JSON strings, nulls as `null`), so it
parses back to exactly the values scored.

    table = read_stream(body, contract.version, max_rows=1000)  # arrow_stream: not trusted
    checked = ArrowChecker(contract, max_rows=1000).check(table)
    checked.raise_for_violations()  # a request: all or nothing
    checked.batch                   # the rows the contract accepts, as ONNX feeds
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from artifacts.bundle import ColumnType, Contract
from service.contract_check import MAX_ID_LENGTH, Batch, ContractViolation, FieldViolation

MEDIA_TYPE = "application/vnd.apache.arrow.stream"
ID_COLUMN = "application_id"


@dataclass(frozen=True)
class Checked:
    """The outcome of checking a table: the violations, and the rows without any as a batch
    (None when no row passes)."""

    violations: list[FieldViolation]
    batch: Batch | None
    good: np.ndarray  # the indexes of the rows in `batch`
    rows: int
    contract_version: str

    def raise_for_violations(self) -> Batch:
        if self.violations:
            raise ContractViolation(self.violations, self.contract_version)
        assert self.batch is not None
        return self.batch


class ArrowChecker:
    def __init__(self, contract: Contract, *, max_rows: int, id_column: str | None = ID_COLUMN
                 ) -> None:
        self.contract, self.max_rows, self.id_column = contract, max_rows, id_column
        self.names = contract.names
        self._categories = {}  # field -> (the codes, as an Arrow array; each code's JSON text)
        for f in contract.fields:
            if f.type is ColumnType.CATEGORICAL:
                codes = [*(f.categories or ()), *([""] if f.nullable else [])]
                self._categories[f.name] = (pa.array(codes, pa.string()),
                                            np.array(codes, dtype=object),
                                            pa.array([orjson.dumps(c).decode() for c in codes]))

    def check(self, table: pa.Table | pa.RecordBatch, *, partial: bool = False) -> Checked:
        """Every violation in `table`; with `partial` (a file's rows) the rows without any are
        still made a batch, and only a problem with the table itself (a column missing, of the
        wrong type, or unknown; too many rows) stops it. Columns of a `RecordBatch` or chunked
        table alike."""
        problems = self._table_problems(table, partial)
        n = table.num_rows
        if problems:
            return Checked(problems, None, np.arange(0), n, self.contract.version)
        bad = np.zeros(n, dtype=bool)
        columns = {}
        for f in self.contract.fields:
            column = _whole(table.column(f.name))
            if f.type is ColumnType.NUMERIC:
                columns[f.name] = self._numeric(f, column, problems, bad)
            else:
                columns[f.name] = self._categorical(f, column, problems, bad)
        ids = self._ids(table, problems, bad)
        problems.sort(key=lambda v: -1 if v.row is None else v.row)
        good = np.flatnonzero(~bad)
        if (problems and not partial) or not len(good):
            return Checked(problems, None, good, n, self.contract.version)
        return Checked(problems, self._batch(columns, ids, good, n), good, n,
                       self.contract.version)

    # -- the table as a whole ----------------------------------------------------------------

    def _table_problems(self, table, partial: bool) -> list[FieldViolation]:
        problems = []
        if table.num_rows == 0:
            problems.append(FieldViolation(None, "rows", "rows", 0, "the table holds no rows"))
        elif table.num_rows > self.max_rows and not partial:
            problems.append(FieldViolation(None, "rows", "max_rows", table.num_rows,
                                           f"at most {self.max_rows} rows per request"))
        counts = Counter(table.schema.names)
        known = {*self.names, *([self.id_column] if self.id_column else [])}
        for name, count in counts.items():
            if name not in known:
                problems.append(FieldViolation(None, name, "unknown_field", None,
                                               "not a contract field"))
            elif count > 1:
                problems.append(FieldViolation(None, name, "duplicate_key", count,
                                               "a column may appear only once"))
        for f in self.contract.fields:
            if f.name not in counts:
                problems.append(FieldViolation(None, f.name, "required", None,
                                               f"{f.name} is missing (no such column)"))
            elif counts[f.name] == 1 and not _accepts(f, table.schema.field(f.name).type):
                kinds = ("an integer or floating-point column" if f.type is ColumnType.NUMERIC
                         else "a text column" + (" or a whole-number column"
                                                 if f.codes == "integer" else ""))
                problems.append(FieldViolation(None, f.name, "type",
                                               str(table.schema.field(f.name).type),
                                               f"{f.name} must be {kinds}"))
        if counts.get(self.id_column) == 1 and \
                not _is_text(table.schema.field(self.id_column).type):
            problems.append(FieldViolation(None, self.id_column, "application_ids",
                                           str(table.schema.field(self.id_column).type),
                                           "application ids must be a text column"))
        return problems

    # -- the columns -------------------------------------------------------------------------

    def _numeric(self, f, column: pa.Array, problems: list, bad: np.ndarray
                 ) -> tuple[pa.Array, np.ndarray]:
        """(the column as its text is written, its values as float64 with NaN for null)."""
        x = pc.cast(column, pa.float64(), safe=False) if column.type != pa.float64() else column
        if column.null_count:
            null = _mask(column.is_null())
            values = x.fill_null(np.nan).to_numpy(zero_copy_only=False)
        else:
            null = np.zeros(len(column), dtype=bool)
            values = x.to_numpy(zero_copy_only=False)
        lo = -np.inf if f.minimum is None else f.minimum
        hi = np.inf if f.maximum is None else f.maximum
        ok = (values >= lo) & (values <= hi) & np.isfinite(values)
        if f.nullable:
            ok |= null
        if not ok.all():
            for i in np.flatnonzero(~ok).tolist():
                v = values[i]
                if null[i]:
                    rule, say = "null", "may not be null"
                elif not np.isfinite(v):
                    rule, say = "finite", "must be a finite number"
                elif v < lo:
                    rule, say = "minimum", f"must be >= {f.minimum:g}"
                else:
                    rule, say = "maximum", f"must be <= {f.maximum:g}"
                problems.append(FieldViolation(i, f.name, rule, None if null[i] else
                                               column[i].as_py(), f"{f.name} {say}"))
            bad |= ~ok
        return column if pa.types.is_integer(column.type) else x, values

    def _categorical(self, f, column: pa.Array, problems: list, bad: np.ndarray) -> pa.Array:
        codes, _, _ = self._categories[f.name]
        text = column if pa.types.is_string(column.type) else pc.cast(column, pa.string())
        index = pc.index_in(text, value_set=codes)  # null where the value is no code (or null)
        found = _mask(index.is_valid())
        null = _mask(text.is_null())
        ok = found | (null & f.nullable)
        if not ok.all():
            for i in np.flatnonzero(~ok).tolist():
                if null[i]:
                    problems.append(FieldViolation(i, f.name, "null", None,
                                                   f"{f.name} may not be null"))
                else:
                    problems.append(FieldViolation(i, f.name, "category", column[i].as_py(),
                                                   f"{f.name} must be one of "
                                                   f"{list(f.categories or ())}"))
            bad |= ~ok
        return index

    def _ids(self, table, problems: list, bad: np.ndarray) -> pa.Array | None:
        if self.id_column not in table.schema.names:
            return None
        ids = _whole(table.column(self.id_column))
        ids = ids if pa.types.is_string(ids.type) else pc.cast(ids, pa.string())
        length = pc.utf8_length(ids)
        wrong = _mask(pc.fill_null(pc.or_(pc.less(length, 1),
                                          pc.greater(length, MAX_ID_LENGTH)), False))
        for i in np.flatnonzero(wrong).tolist():
            problems.append(FieldViolation(i, self.id_column, "application_ids", ids[i].as_py(),
                                           f"an application id is 1 to {MAX_ID_LENGTH} "
                                           "characters (or null)"))
        bad |= wrong
        return ids

    # -- the batch ---------------------------------------------------------------------------

    def _batch(self, columns: dict, ids: pa.Array | None, good: np.ndarray, n: int) -> Batch:
        take = None if len(good) == n else pa.array(good)
        feeds, texts = {}, []
        for f in self.contract.fields:
            if f.type is ColumnType.NUMERIC:
                column, values = columns[f.name]
                if take is not None:
                    column, values = column.take(take), values[good]
                feeds[f.name] = values.reshape(-1, 1)
                text = pc.cast(_as_written(column, values), pa.string())
                texts.append(pc.fill_null(text, "null") if text.null_count else text)
            else:
                column = columns[f.name] if take is None else columns[f.name].take(take)
                _, objects, json_codes = self._categories[f.name]
                index = column.fill_null(len(objects))  # a null: "" for the model, null in text
                feeds[f.name] = np.append(objects, "")[index.to_numpy()].reshape(-1, 1)
                texts.append(pc.fill_null(json_codes.take(column), "null"))
        joined = pc.binary_join_element_wise("[", pc.binary_join_element_wise(*texts, ","), "]",
                                             "")
        row_texts = [t.encode() for t in joined.to_pylist()]
        if ids is None:
            app_ids = [None] * len(row_texts)
        else:
            app_ids = (ids if take is None else ids.take(take)).to_pylist()
        return Batch(feeds, row_texts, app_ids)


def _as_written(column: pa.Array, values: np.ndarray) -> pa.Array:
    """A float column whose values are all whole numbers (as amounts and counts usually are)
    as int64, whose text Arrow writes in a third of the time (35.0 and 35 are both written
    35; -0.0 is written 0)."""
    if not pa.types.is_floating(column.type):
        return column
    known = values[~np.isnan(values)]
    if (np.abs(known) < 2.0 ** 53).all() and (np.floor(known) == known).all():
        return pc.cast(column, pa.int64(), safe=False)
    return column


def _accepts(f, kind: pa.DataType) -> bool:
    if pa.types.is_null(kind):
        return f.nullable
    if f.type is ColumnType.NUMERIC:
        return pa.types.is_integer(kind) or pa.types.is_floating(kind)
    return _is_text(kind) or (f.codes == "integer" and pa.types.is_integer(kind))


def _is_text(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind)


def _whole(column) -> pa.Array:
    """One array for a column (a table's column may come in chunks); dictionary-encoded text
    decoded."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    return column


def _mask(array: pa.Array) -> np.ndarray:
    return array.to_numpy(zero_copy_only=False)
