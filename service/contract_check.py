"""Contract enforcement for scoring requests, vectorised over the batch.

A request body is `{"rows": [...], "application_ids": [...]?}`; each row is either an object of
named fields or an array in contract order. `RequestParser.parse` turns it into ONNX feeds or
raises `ContractViolation` listing every violation (row, field, rule, value), never a 500.

Checks run with numpy over whole columns: the numeric block is converted in one call and its
null, finiteness and range rules are array masks; a categorical column is one set containment
test (`frozenset.issuperset`, in C over the whole column). Only values that
are already wrong (a string where a number belongs, a missing field) are classified one by one.

The body must be strict JSON (`strict_json`).

Rules: `json`, `duplicate_key`, `body`, `unknown_field`, `rows`, `max_rows`,
`application_ids`, `row_type`, `row_length`, `required`, `type`, `null`, `finite`, `minimum`,
`maximum`, `category`, `max_body_bytes`, `content_type`; and for an Arrow IPC body
(`arrow_check`, `arrow_stream`) `arrow`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import orjson

from artifacts.bundle import ColumnType, Contract
from service.strict_json import BadJson, jsonable, printable, read_json

_MISSING = object()  # a named field the row does not have
_SKIP = object()  # a row already reported as malformed: its cells are not checked again
_NUMBERS = {int, float}
_NUMBERS_OR_NULL = {int, float, type(None)}
MAX_ID_LENGTH = 128


@dataclass(frozen=True)
class FieldViolation:
    row: int | None
    field: str
    rule: str
    value: object
    message: str

    def to_dict(self) -> dict:
        return {"row": self.row, "field": printable(self.field), "rule": self.rule,
                "value": jsonable(self.value), "message": printable(self.message)}


class ContractViolation(Exception):
    """The request does not satisfy the contract; answered with 422 and `to_dict()`."""

    def __init__(self, violations: list[FieldViolation], contract_version: str) -> None:
        self.violations = violations
        self.contract_version = contract_version
        super().__init__(f"{len(violations)} contract violations")

    def to_dict(self) -> dict:
        return {"error": "contract_violation",
                "detail": f"the request breaks contract {self.contract_version} in "
                          f"{len(self.violations)} places; nothing was scored",
                "contract_version": self.contract_version,
                "violations": [v.to_dict() for v in self.violations]}


@dataclass(frozen=True)
class Batch:
    feeds: dict[str, np.ndarray]  # one (rows, 1) array per field, as the ONNX model takes them
    # per row, its values in contract order as received, as JSON text: the decision record
    # digests it (`features_sha256`), and keeps it when values are kept
    texts: list[bytes]
    application_ids: list[str | None]

    @property
    def rows(self) -> int:
        return len(self.texts)


class RequestParser:
    def __init__(self, contract: Contract, *, max_rows: int) -> None:
        self.contract, self.max_rows = contract, max_rows
        self.names = contract.names
        self.known_fields = frozenset(self.names)
        fields = contract.fields
        self._numeric = [j for j, f in enumerate(fields) if f.type is ColumnType.NUMERIC]
        self._categorical = [j for j, f in enumerate(fields) if f.type is ColumnType.CATEGORICAL]
        self._numeric_names = [self.names[j] for j in self._numeric]
        num = [fields[j] for j in self._numeric]
        # Unbounded is the float range, not infinity: an infinite value must fail the range test.
        top = np.finfo(np.float64).max
        self._lo = np.array([-top if f.minimum is None else f.minimum for f in num])[:, None]
        self._hi = np.array([top if f.maximum is None else f.maximum for f in num])[:, None]
        self._nullable = np.array([f.nullable for f in num], dtype=bool)[:, None]
        self._allowed = {j: frozenset(fields[j].categories or ())
                         | ({None, ""} if fields[j].nullable else set())
                         for j in self._categorical}

    def parse(self, body: bytes) -> Batch:
        problems: list[FieldViolation] = []
        rows, ids = self._envelope(body, problems)
        if rows is None:
            raise ContractViolation(problems, self.contract.version)
        return self.check(rows, ids)

    def check(self, rows: list, ids: list[str | None]) -> Batch:
        """Rows (objects of named fields, or arrays in contract order) and their application
        ids, checked exactly as a JSON body's rows are; `ContractViolation` lists every
        problem. For the other encodings of a request (the Open Inference Protocol's tensors)."""
        problems: list[FieldViolation] = []
        matrix = [self._row(i, r, problems) for i, r in enumerate(rows)]
        columns = list(zip(*matrix))
        numeric = self._check_numeric(columns, problems)
        categorical = {j: self._check_categorical(j, columns[j], problems)
                       for j in self._categorical}
        if problems:
            problems.sort(key=lambda v: (-1 if v.row is None else v.row))
            raise ContractViolation(problems, self.contract.version)
        # One (rows, 1) view per numeric field, made by iterating the block in C.
        feeds = dict(zip(self._numeric_names, numeric.reshape(len(self._numeric), -1, 1)))
        feeds.update((self.names[j], column.reshape(-1, 1)) for j, column in categorical.items())
        return Batch(feeds, [orjson.dumps(r) for r in matrix], ids)

    # -- the envelope -----------------------------------------------------------------------

    def _envelope(self, body: bytes, problems: list[FieldViolation]
                  ) -> tuple[list | None, list[str | None]]:
        try:
            doc = read_json(body)
        except BadJson as e:
            problems.append(FieldViolation(None, e.field, e.rule, e.value, e.message))
            return None, []
        if not isinstance(doc, dict):
            problems.append(FieldViolation(None, "(body)", "body", type(doc).__name__,
                                           'the body must be a JSON object {"rows": [...]}'))
            return None, []
        for key in doc.keys() - {"rows", "application_ids"}:
            problems.append(FieldViolation(None, key, "unknown_field", None,
                                           "only 'rows' and 'application_ids' are accepted"))
        rows = doc.get("rows")
        if not isinstance(rows, list) or not rows:
            problems.append(FieldViolation(None, "rows", "rows", rows if not isinstance(rows, list)
                                           else [], "'rows' must be a non-empty array of rows"))
            return None, []
        if len(rows) > self.max_rows:
            problems.append(FieldViolation(None, "rows", "max_rows", len(rows),
                                           f"at most {self.max_rows} rows per request"))
            return None, []
        ids = self._application_ids(doc.get("application_ids", _MISSING), len(rows), problems)
        return (rows if not problems else None), ids

    def _application_ids(self, ids, n: int, problems: list[FieldViolation]) -> list[str | None]:
        if ids is _MISSING:  # absent; an explicit null is refused, as the schema says
            return [None] * n
        good = (isinstance(ids, list) and len(ids) == n
                and all(i is None or (isinstance(i, str) and 0 < len(i) <= MAX_ID_LENGTH)
                        for i in ids))
        if not good:
            problems.append(FieldViolation(None, "application_ids", "application_ids",
                                           None, f"'application_ids' must be an array of {n} "
                                           f"strings (1 to {MAX_ID_LENGTH} characters) or nulls, "
                                           "one per row"))
        return ids if good else [None] * n

    def _row(self, i: int, row, problems: list[FieldViolation]) -> list:
        if type(row) is dict:
            if not self.known_fields.issuperset(row):
                problems.extend(FieldViolation(i, k, "unknown_field", None, "not a contract field")
                                for k in sorted(row.keys() - self.known_fields, key=str))
            return [row.get(k, _MISSING) for k in self.names]
        if type(row) is list:
            if len(row) == len(self.names):
                return row
            problems.append(FieldViolation(i, "(row)", "row_length", len(row),
                                           f"an array row needs {len(self.names)} values in "
                                           "contract order"))
        else:
            problems.append(FieldViolation(i, "(row)", "row_type", type(row).__name__,
                                           "a row is an object of named fields or an array in "
                                           "contract order"))
        return [_SKIP] * len(self.names)

    # -- numeric fields: one array for the whole block -------------------------------------

    def _check_numeric(self, columns: list, problems: list[FieldViolation]) -> np.ndarray:
        block = [columns[j] for j in self._numeric]
        if not block:
            return np.empty((0, len(columns[0]) if columns else 0))
        x = _numeric_fast(block)
        if x is not None and (x >= self._lo).all() and (x <= self._hi).all():
            return x  # the common case: every cell a number in range (NaN fails both tests)
        if x is None:
            x, null, unchecked = self._numeric_slow(block, problems)
        else:
            null, unchecked = _nulls(x, block), np.zeros(x.shape, dtype=bool)
        accepted = ((x >= self._lo) & (x <= self._hi)) | (null & self._nullable)
        if accepted.all():  # nulls, where the contract allows them
            return x
        finite = np.isfinite(x)
        masks = [
            (null & ~self._nullable, "null", lambda f: "may not be null"),
            (~finite & ~null & ~unchecked, "finite", lambda f: "must be a finite number"),
            (finite & (x < self._lo), "minimum", lambda f: f"must be >= {f.minimum:g}"),
            (finite & (x > self._hi), "maximum", lambda f: f"must be <= {f.maximum:g}"),
        ]
        for mask, rule, say in masks:
            for k, i in zip(*np.nonzero(mask)):
                f = self.contract.fields[self._numeric[k]]
                problems.append(FieldViolation(int(i), f.name, rule, block[k][i],
                                               f"{f.name} {say(f)}"))
        return x

    def _numeric_slow(self, block: list, problems: list[FieldViolation]
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cell by cell, for a block that holds values that are not numbers (all reported).

        Returns the values, the null mask and the mask of cells already reported (or in a
        malformed row), which the range rules then leave alone."""
        x = np.full((len(block), len(block[0])), np.nan)
        null = np.zeros(x.shape, dtype=bool)
        unchecked = np.zeros(x.shape, dtype=bool)
        for k, column in enumerate(block):
            name = self.names[self._numeric[k]]
            for i, v in enumerate(column):
                if type(v) in _NUMBERS:
                    x[k, i] = _as_float(v)
                elif v is None:
                    null[k, i] = True
                else:
                    unchecked[k, i] = True
                    if v is not _SKIP:
                        problems.append(_bad_cell(i, name, v, "a number"))
        return x, null, unchecked

    # -- categorical fields ------------------------------------------------------------------

    def _check_categorical(self, j: int, column: tuple, problems: list[FieldViolation]
                           ) -> np.ndarray:
        f = self.contract.fields[j]
        allowed = self._allowed[j]
        if f.codes == "integer":  # 2 and "2" are one code (never true: a bool is no code;
            # an integer past 64 bits is no code either, and is named as the wrong type)
            column = tuple(str(v) if type(v) is int and -2**63 <= v < 2**63 else v
                           for v in column)
        try:
            good = allowed.issuperset(column)  # the common case: every value a known code
        except TypeError:  # an unhashable value (an array or object): named below
            good = False
        if not good:
            for i, v in enumerate(column):
                if v is None and not f.nullable:
                    problems.append(FieldViolation(i, f.name, "null", None,
                                                   f"{f.name} may not be null"))
                elif type(v) is not str and v is not None and v is not _SKIP:
                    problems.append(_bad_cell(i, f.name, v, "a string or whole number (category "
                                              "code)" if f.codes == "integer"
                                              else "a string (category code)"))
                elif type(v) is str and v not in allowed:
                    problems.append(FieldViolation(i, f.name, "category", v,
                                                   f"{f.name} must be one of "
                                                   f"{list(f.categories or ())}"))
        values = [v if v is not None else "" for v in column] if None in column else column
        return np.array(values, dtype=object)


def _numeric_fast(block: list) -> np.ndarray | None:
    """The whole block in one conversion when every cell is a number or null (null: NaN)."""
    if not set(map(type, itertools.chain.from_iterable(block))) <= _NUMBERS_OR_NULL:
        return None
    try:
        return np.array(block, dtype=np.float64)
    except OverflowError:  # an integer beyond float range: let the slow path name it
        return None


def _nulls(x: np.ndarray, block: list) -> np.ndarray:
    """Which cells were null: of the NaN cells, those that were None (not a NaN literal)."""
    null = np.zeros(x.shape, dtype=bool)
    for k, i in zip(*np.nonzero(np.isnan(x))):
        null[k, i] = block[k][i] is None
    return null


def _as_float(v) -> float:
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def _bad_cell(i: int, name: str, v, expected: str) -> FieldViolation:
    if v is _MISSING:
        return FieldViolation(i, name, "required", None, f"{name} is missing")
    return FieldViolation(i, name, "type", v, f"{name} must be {expected}, not {type(v).__name__}")
