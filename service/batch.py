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
from dataclasses import dataclass
from pathlib import Path

from regions import Catalogue, Tier, require_tier
from service.contract_check import ContractViolation, RequestParser
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
    parser = RequestParser(model.contract, max_rows=request.chunk_rows)
    scorer = Scorer(ModelSet(champion=model), request.scorecard, 0.0)
    numeric = [f.name for f in model.contract.fields if f.type.value == "numeric"]
    run_id = f"batch-{uuid.uuid4().hex[:12]}"
    started = time.perf_counter()
    from artifacts.ledger import open_store

    store = open_store(request.decision_log)
    out_tmp = request.out.with_name(f".{request.out.name}.{run_id}.tmp")
    rejects_tmp = request.rejects.with_name(f".{request.rejects.name}.{run_id}.tmp")
    counts = {"rows": 0, "scored": 0, "rejected": 0, "chunks": 0}
    try:
        with _Output(out_tmp) as output, rejects_tmp.open("w", newline="") as raw:
            rejects = csv.writer(raw)
            rejects.writerow(["row", "field", "rule", "value", "message"])
            for start, columns in _chunks(request.source, request.chunk_rows):
                _require(columns, parser.names, request)
                n = len(next(iter(columns.values())))
                ids = [None if v is None else str(v) for v in columns[request.id_column]] \
                    if request.id_column else [None] * n
                if request.source.suffix.lower() == ".csv":  # CSV cells are text
                    for name in numeric:
                        columns[name] = [_number(v) for v in columns[name]]
                rows = [list(r) for r in zip(*(columns[c] for c in parser.names))]
                good = _check(parser, rows, ids, start, rejects)
                if good:
                    batch = parser.check([rows[i] for i in good], [ids[i] for i in good])
                    rid = f"{run_id}-{counts['chunks']:06d}"
                    scored = scorer.decide(Endpoint.SCORE, batch, rid, caller=request.caller)
                    store.append([d._replace(endpoint=ENDPOINT) for group in scored.decisions
                                  for d in group.rows()])
                    output.write([start + i + 1 for i in good], [ids[i] for i in good],
                                 scored.results)
                counts["rows"] += n
                counts["scored"] += len(good)
                counts["rejected"] += n - len(good)
                counts["chunks"] += 1
                progress(n)
        os.replace(out_tmp, request.out)
        os.replace(rejects_tmp, request.rejects)
    except BaseException:
        for tmp in (out_tmp, rejects_tmp):
            tmp.unlink(missing_ok=True)
        raise
    finally:
        store.close()
    return BatchResult(counts["rows"], counts["scored"], counts["rejected"], counts["chunks"],
                       time.perf_counter() - started, model.name, model.version, run_id)


def _check(parser: RequestParser, rows: list, ids: list, start: int, rejects) -> list[int]:
    """The indexes of the rows the contract accepts; each violation of the others to
    `rejects` with its row number in the file."""
    try:
        parser.check(rows, ids)
        return list(range(len(rows)))
    except ContractViolation as e:
        bad = set()
        for v in e.violations:
            bad.add(v.row)
            rejects.writerow([start + v.row + 1, v.field, v.rule, v.value, v.message])
        return [i for i in range(len(rows)) if i not in bad]


def _require(columns: dict, names: list[str], request: BatchRequest) -> None:
    missing = [c for c in [*names, *([request.id_column] if request.id_column else [])]
               if c not in columns]
    if missing:
        raise BatchError(f"{request.source}: no column {', '.join(map(repr, missing))} (the "
                         f"contract needs {', '.join(names)})")


def _chunks(path: Path, size: int) -> Iterator[tuple[int, dict[str, list]]]:
    """(index of the chunk's first row, its columns as lists with None for a null)."""
    start = 0
    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(path).iter_batches(batch_size=size):
                yield start, batch.to_pydict()
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

    def write(self, numbers: list[int], ids: list, results: list[dict]) -> None:
        import pyarrow as pa

        table = pa.Table.from_pydict({
            "row": numbers, "application_id": ids,
            "probability_of_default": [r["probability_of_default"] for r in results],
            "score": [r["score"] for r in results],
            "reason_codes": [[x["code"] for x in r["reasons"]] for r in results],
            "model_version": [r["model_version"] for r in results]}, schema=_schema())
        self._writer().write_table(table)

    def _writer(self):
        if self.writer is None:
            import pyarrow.parquet as pq

            self.writer = pq.ParquetWriter(self.path, _schema())
        return self.writer

    def __exit__(self, *exc) -> None:
        self._writer().close()  # nothing scored: an empty file with the same columns


def _schema():
    import pyarrow as pa

    return pa.schema([("row", pa.int64()), ("application_id", pa.string()),
                      ("probability_of_default", pa.float64()), ("score", pa.float64()),
                      ("reason_codes", pa.list_(pa.string())), ("model_version", pa.string())])
