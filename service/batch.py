"""Offline portfolio scoring (`seawall score-batch`): a file of any size, in chunks.

For monthly provisioning, limit reviews and champion-challenger replays. The bundle is verified
under the region's trust policy first (fail closed), and only an onshore serving region may run
it: the rows are personal data. Each chunk (`chunk_rows` rows, so memory stays bounded) is
checked against the contract exactly as a request is; rows that break it go to the rejects file
with their row number (1-based, as a spreadsheet counts data rows), field, rule and message, and
the rest are scored (probability, scorecard points, reason codes) and appended to the region's
decision log in one transaction per chunk before their scores are written. The output (Parquet)
and the rejects (CSV) are written to temporary paths and renamed at the end: a failed run writes
neither, and the decisions of the chunks it scored stay logged, as decisions that were made.
"""

from __future__ import annotations

import csv
import os
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from artifacts.ledger import DecisionColumns, open_store
from regions import Catalogue, Tier, require_tier
from service.arrow_check import ID_COLUMN as ID
from service.arrow_check import ArrowChecker
from service.contract_check import Batch, ContractViolation, FieldViolation, RequestParser
from service.errors import ServiceError
from service.scoring import Endpoint, Scorecard, Scorer
from service.served_models import ModelSet, load_models

ENDPOINT = "batch"  # the endpoint the decision log records for these decisions


class BatchError(ServiceError):
    """The batch cannot run: a refused bundle, an unreadable input, a missing column."""


@dataclass(frozen=True, kw_only=True)
class BatchRequest:
    region: str
    catalogue: Catalogue
    bundle: Path
    source: Path  # .parquet or .csv
    out: Path  # .parquet
    rejects: Path  # .csv
    decision_log: str
    scorecard: Scorecard
    chunk_rows: int = 50_000
    id_column: str | None = None  # application ids, for the log and the output
    caller: str | None = None  # who ran it, recorded with every decision


@dataclass(frozen=True)
class BatchResult:
    rows: int
    scored: int
    rejected: int  # rows (a row with several violations counts once)
    chunks: int
    seconds: float
    model: str
    version: str
    run_id: str


def score_batch(request: BatchRequest, progress: Callable[[int], None] = lambda n: None
                ) -> BatchResult:
    require_tier(request.catalogue.get(request.region), Tier.SERVING)  # before a row is read
    if request.source.suffix.lower() not in (".parquet", ".csv"):
        raise BatchError(f"{request.source}: read .parquet or .csv files only")
    models = load_models(catalogue=request.catalogue, region=request.region,
                         champion=request.bundle)
    if not models.ready:
        raise BatchError(f"{request.bundle}: refused: {'; '.join(models.failures)}")
    model = models.champion
    scorer = Scorer(ModelSet(champion=model), request.scorecard, 0.0)
    run_id = f"batch-{uuid.uuid4().hex[:12]}"
    started = time.perf_counter()

    out_tmp = request.out.with_name(f".{request.out.name}.{run_id}.tmp")
    rejects_tmp = request.rejects.with_name(f".{request.rejects.name}.{run_id}.tmp")
    counts = {"rows": 0, "scored": 0, "rejected": 0, "chunks": 0}
    check = _Checks(model.contract, request)
    log = _Log(request.decision_log)
    try:
        with _Output(out_tmp) as output, rejects_tmp.open("w", newline="") as raw:
            rejects = csv.writer(raw)
            rejects.writerow(["row", "field", "rule", "value", "message"])
            for start, chunk in _chunks(request.source, request.chunk_rows):
                n, batch, good, violations = check(chunk)
                rejects.writerows([start + v.row + 1, v.field, v.rule, v.value, v.message]
                                  for v in violations)
                if batch is not None:
                    rid = f"{run_id}-{counts['chunks']:06d}"
                    scored = scorer.decide(Endpoint.SCORE, batch, rid, caller=request.caller,
                                           answers=False)
                    (decided,) = [d._replace(endpoint=ENDPOINT) for d in scored.decisions]
                    numbers = [start + i + 1 for i in good.tolist()]
                    log.append(decided, lambda d=decided, r=numbers: output.write(r, d))
                counts["rows"] += n
                counts["scored"] += len(good)
                counts["rejected"] += n - len(good)
                counts["chunks"] += 1
                progress(n)
            log.drain()
        os.replace(out_tmp, request.out)
        os.replace(rejects_tmp, request.rejects)
    except BaseException:
        for tmp in (out_tmp, rejects_tmp):
            tmp.unlink(missing_ok=True)
        raise
    finally:
        log.close()
    return BatchResult(counts["rows"], counts["scored"], counts["rejected"], counts["chunks"],
                       time.perf_counter() - started, model.name, model.version, run_id)


class _Log:
    """The decision log, appended on its own thread while the next chunk is read, checked and
    scored (onnxruntime and SQLite release the GIL). A chunk's scores are written only after
    its decisions are committed (`then`, on the caller's thread); at most one chunk is in
    flight, and a failed append is raised at the next `append` or at `drain`."""

    def __init__(self, url: str) -> None:
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="decision-log")
        self.store = self.pool.submit(open_store, url).result()  # used on that thread only
        self.pending: tuple[Future, Callable[[], None]] | None = None

    def append(self, decided: DecisionColumns, then: Callable[[], None]) -> None:
        self.drain()
        self.pending = (self.pool.submit(lambda: self.store.append(decided.rows())), then)

    def drain(self) -> None:
        if self.pending is not None:
            appended, then = self.pending
            self.pending = None
            appended.result()
            then()

    def close(self) -> None:
        if self.pending is not None:  # a failure elsewhere: let the append finish, logged
            wait([self.pending[0]])
        self.pool.submit(self.store.close).result()
        self.pool.shutdown()


class _Checks:
    """One chunk checked against the contract: (rows, the batch of rows it accepts or None,
    their indexes, the violations of the others). A Parquet chunk is checked on its Arrow
    columns; a CSV chunk (text cells) as a JSON request's rows are."""

    def __init__(self, contract, request: BatchRequest) -> None:
        self.request = request
        self.names = contract.names
        self.numeric = [f.name for f in contract.fields if f.type.value == "numeric"]
        self.rows = RequestParser(contract, max_rows=request.chunk_rows)
        self.columns = ArrowChecker(contract, max_rows=request.chunk_rows, id_column=ID)

    def __call__(self, chunk) -> tuple[int, Batch | None, np.ndarray, list[FieldViolation]]:
        if isinstance(chunk, dict):
            return self._rows(chunk)
        _require(chunk.schema.names, self.names, self.request)
        twice = sorted({n for n in chunk.schema.names if chunk.schema.names.count(n) > 1})
        if twice:
            raise BatchError(f"{self.request.source}: column {', '.join(map(repr, twice))} "
                             "appears more than once")
        picked = {name: chunk.column(name) for name in self.names}
        if self.request.id_column:
            ids = chunk.column(self.request.id_column)
            if pa.types.is_integer(ids.type):  # numbered applications: the ids as text
                ids = pc.cast(ids, pa.string())
            picked[ID] = ids  # any other type but text is named by the check
        checked = self.columns.check(pa.table(picked), partial=True)
        violations = [replace(v, field=self.request.id_column) if v.field == ID else v
                      for v in checked.violations]  # the file's name for the id column
        table_wide = [v for v in violations if v.row is None]
        if table_wide:
            raise BatchError(f"{self.request.source}: " + "; ".join(
                f"column {v.field!r}: {v.message} ({v.value})" for v in table_wide))
        return checked.rows, checked.batch, checked.good, violations

    def _rows(self, columns: dict) -> tuple[int, Batch | None, np.ndarray, list]:
        _require(list(columns), self.names, self.request)
        n = len(next(iter(columns.values())))
        ids = [None if v is None else str(v) for v in columns[self.request.id_column]] \
            if self.request.id_column else [None] * n
        for name in self.numeric:  # CSV cells are text
            columns[name] = [_number(v) for v in columns[name]]
        rows = [list(r) for r in zip(*(columns[c] for c in self.names))]
        try:
            return n, self.rows.check(rows, ids), np.arange(n), []
        except ContractViolation as e:
            bad = {v.row for v in e.violations}
            good = np.array([i for i in range(n) if i not in bad], dtype=np.int64)
            batch = self.rows.check([rows[i] for i in good], [ids[i] for i in good]) \
                if len(good) else None
            return n, batch, good, e.violations


def _require(columns: list[str], names: list[str], request: BatchRequest) -> None:
    missing = [c for c in [*names, *([request.id_column] if request.id_column else [])]
               if c not in columns]
    if missing:
        raise BatchError(f"{request.source}: no column {', '.join(map(repr, missing))} (the "
                         f"contract needs {', '.join(names)})")


def _chunks(path: Path, size: int) -> Iterator[tuple[int, pa.RecordBatch | dict[str, list]]]:
    """(index of the chunk's first row, the chunk): a Parquet file's record batches; a CSV
    file's columns as lists of text, None for an empty cell."""
    start = 0
    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(path).iter_batches(batch_size=size):
                yield start, batch
                start += batch.num_rows
            return
        import pandas as pd

        for frame in pd.read_csv(path, chunksize=size, dtype=object, keep_default_na=False,
                                 na_values=[""]):
            yield start, {c: [None if isinstance(v, float) else v for v in frame[c].tolist()]
                          for c in frame.columns}  # text, None for an empty cell
            start += len(frame)
    except (OSError, ValueError) as e:  # unreadable, not Parquet, a broken CSV line
        raise BatchError(f"{path}: cannot read it ({type(e).__name__}: {e})") from None


def _number(value):
    """A CSV cell of a numeric field as the JSON a client would send (text stays text, for the
    contract check to refuse by name)."""
    if not isinstance(value, str):
        return value
    try:
        return float(value)
    except ValueError:
        return value


class _Output:
    """The scores as Parquet, written chunk by chunk."""

    def __init__(self, path: Path) -> None:
        self.path, self.writer = path, None

    def __enter__(self) -> _Output:
        return self

    def write(self, numbers: list[int], decided: DecisionColumns) -> None:
        table = pa.Table.from_pydict({
            "row": numbers, "application_id": decided.application_ids,
            "probability_of_default": decided.probabilities, "score": decided.points,
            "reason_codes": decided.reason_codes,
            "model_version": [decided.model_version] * len(numbers)}, schema=_schema())
        self._writer().write_table(table)

    def _writer(self):
        if self.writer is None:
            import pyarrow.parquet as pq

            self.writer = pq.ParquetWriter(self.path, _schema())
        return self.writer

    def __exit__(self, *exc) -> None:
        self._writer().close()  # nothing scored: an empty file with the same columns


def _schema() -> pa.Schema:
    return pa.schema([("row", pa.int64()), ("application_id", pa.string()),
                      ("probability_of_default", pa.float64()), ("score", pa.float64()),
                      ("reason_codes", pa.list_(pa.string())), ("model_version", pa.string())])
