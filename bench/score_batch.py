"""`seawall score-batch` on a large portfolio file against in-process onnxruntime, in one run.

A trained, signed bundle; a Parquet file of `--rows` rows (the golden rows repeated, an id
column, written in row groups of 1,000,000 so the file is made in bounded memory). Then:

- seawall:    `seawall score-batch --region onshore-hn` as an analyst runs it (a subprocess):
              verified bundle, contract check per chunk, probabilities, scorecard points and
              reason codes, every decision chained into the region's SQLite decision log,
              scores written to Parquet. Wall time and peak RSS (getrusage of the child).
- in-process: onnxruntime in this process on the same file's chunks, feeds built straight
              from the Arrow columns and `session.run` for the probabilities: the least work
              that scores the file (the issue's peer).
- in-process, same outputs: the same plus the reason codes' baseline-substitution
              contributions (what score-batch computes per row), so the ratio of like with like
              is printed too.

The peers are timed over the first `--peer-rows` rows (their speed is steady). Target: seawall
rows/s >= 0.5x in-process onnxruntime, peak RSS < 1.5 GiB, every decision logged.

    .venv/bin/python bench/score_batch.py [--rows 10000000] [--chunk-rows 50000]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from _trust import trusting_catalogue
from artifacts.bundle import Contract, OnnxScorer, ReasonCodes
from artifacts.factory import ModelFamily, TrainRequest, build_candidate
from artifacts.signing import Method, SignRequest, sign_bundle

BIN = Path(sys.executable).parent
GROUP = 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--peer-rows", type=int, default=2_000_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="seawall-bench-batch-"))
    try:
        run(work, args.rows, args.chunk_rows, min(args.peer_rows, args.rows))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, rows: int, chunk: int, peer_rows: int) -> None:
    home = work / "home"
    print("training and signing the model (30,000 synthetic rows, logistic regression) ...")
    bundle = build_candidate(TrainRequest(region="offshore-sg", home=work / "offshore",
                                          family=ModelFamily.LOGREG)).bundle
    sign_bundle(SignRequest(bundle=bundle, method=Method.KEY, home=work / "offshore"))
    catalogue = trusting_catalogue(work / "catalogue", work / "offshore", ["serve"])
    source = work / "book.parquet"
    print(f"writing {rows:,} rows to {source.name} ...")
    write_portfolio(bundle, source, rows)
    print(f"  {source.stat().st_size / 2**20:,.0f} MiB")
    print(f"seawall score-batch, chunks of {chunk:,} rows ...")
    start = time.perf_counter()
    done = subprocess.run([str(BIN / "seawall"), "score-batch", "--region", "onshore-hn",
                           "--bundle", str(bundle), "--catalogue", str(catalogue), "--in",
                           str(source), "--out", str(work / "scores.parquet"), "--id-column",
                           "APP_ID", "--chunk-rows", str(chunk), "--home", str(home)],
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"score-batch failed:\n{done.stdout}\n{done.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KiB on Linux
    db = home / "regions" / "onshore-hn" / "decisions.db"
    with sqlite3.connect(db) as conn:
        logged = conn.execute("SELECT count(*) FROM decisions").fetchone()[0]
    scored = pq.ParquetFile(work / "scores.parquet").metadata.num_rows
    print(f"scoring the first {peer_rows:,} rows in process ...")
    plain, same = in_process(bundle, source, chunk, peer_rows)
    rate = rows / seconds
    print(f"\nseawall score-batch: {rows:,} rows in {seconds:,.1f} s = {rate:,.0f} rows/s; "
          f"peak RSS {peak / 2**30:.2f} GiB; {logged:,} decisions logged, {scored:,} rows "
          f"written; decision log {db.stat().st_size / 2**30:.2f} GiB")
    print(f"in-process onnxruntime, probabilities:          {plain:>12,.0f} rows/s")
    print(f"in-process onnxruntime, + reason contributions: {same:>12,.0f} rows/s")
    checks = [("seawall / in-process onnxruntime", rate / plain, ">=", 0.5),
              ("seawall / in-process, the same outputs", rate / same, None, None),
              ("peak RSS (GiB)", peak / 2**30, "<", 1.5),
              ("decisions logged / rows", logged / rows, "==", 1.0)]
    print()
    for label, value, op, bound in checks:
        met = {">=": value >= (bound or 0), "<": value < (bound or 0),
               "==": value == bound}.get(op or "")
        target = f"{op} {bound:g}" if op else "(like with like)"
        verdict = "" if met is None else ("met" if met else "NOT met")
        print(f"  {label:<42} {value:8.2f}   target {target:<17} {verdict}")


def write_portfolio(bundle: Path, path: Path, rows: int) -> None:
    golden = json.loads((bundle / "golden_set.json").read_text())
    contract = Contract.from_dict(json.loads((bundle / "contract.json").read_text()))
    numeric = {f.name for f in contract.fields if f.type.value == "numeric"}
    base = golden["rows"]
    block = [base[i % len(base)] for i in range(min(GROUP, rows))]
    columns = {c: pa.array([r[j] for r in block], pa.float64() if c in numeric else pa.string())
               for j, c in enumerate(golden["columns"])}
    with pq.ParquetWriter(path, pa.schema([*((c, a.type) for c, a in columns.items()),
                                           ("APP_ID", pa.string())])) as writer:
        for start in range(0, rows, GROUP):
            n = min(GROUP, rows - start)
            ids = pa.array([f"APP-{i:010d}" for i in range(start, start + n)])
            writer.write_table(pa.table({**{c: a.slice(0, n) for c, a in columns.items()},
                                         "APP_ID": ids}))


def in_process(bundle: Path, source: Path, chunk: int, rows: int) -> tuple[float, float]:
    """rows/s of onnxruntime alone, and with the reason contributions, on `rows` rows."""
    contract = Contract.from_dict(json.loads((bundle / "contract.json").read_text()))
    reasons = ReasonCodes.from_dict(json.loads((bundle / "reason_codes.json").read_text()))
    scorer = OnnxScorer.from_bytes((bundle / "model.onnx").read_bytes(), contract)
    numeric = {f.name for f in contract.fields if f.type.value == "numeric"}
    plain = same = 0.0
    done = 0
    for batch in pq.ParquetFile(source).iter_batches(batch_size=chunk,
                                                     columns=contract.names):
        start = time.perf_counter()
        feeds = {n: (batch.column(n).to_numpy() if n in numeric else
                     batch.column(n).to_numpy(zero_copy_only=False).astype(object))
                 .reshape(-1, 1) for n in contract.names}
        scorer.probabilities(feeds)
        middle = time.perf_counter()
        scorer.contributions(feeds, reasons.baseline)
        end = time.perf_counter()
        plain += middle - start
        same += end - start
        done += batch.num_rows
        if done >= rows:
            break
    return done / plain, done / same


if __name__ == "__main__":
    main()
