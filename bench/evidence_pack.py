"""The evidence pack for a model with 1,000,000 logged decisions in the period: how long it
takes to write (gather, render HTML and PDF, sign), against the floor and the naive peer.

Set-up (not timed): a model trained on 2,000 synthetic rows, signed, imported into onshore-hn,
and `--decisions` decisions appended to its SQLite log, spread over 2026Q4 (plus 10 % in the
quarter before, which the pack must not count).

Timed, in the same run, medians of `--repeat`:
- pack: `build_pack` end to end (registry, verification, the log's counts and chain points
  from its covering index, the transfer record, HTML and PDF in Vietnamese, manifest,
  signature). Target: under 20 s.
- summary: the ledger's `summary()` alone (the part that grows with the period).
- scan: the naive peer for that part, the strongest honest one: one SQL pass that counts the
  period's rows per version and role with no index on the time (SQLite's own aggregate over
  the table, not Python over records).

    .venv/bin/python bench/evidence_pack.py [--decisions 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from itertools import repeat
from pathlib import Path

from logged import REGION, fill_log, imported, timed

from artifacts.ledger import open_store
from regions import region_home
from reporting.evidence_pack import PackRequest, build_pack

START = datetime(2026, 9, 30, 17, tzinfo=UTC)  # 2026Q4 starts here in Hanoi time


def set_up(root: Path, decisions: int) -> tuple[Path, Path, str]:
    home, catalogue, model = imported(root)
    fill_log(home, model, START, timedelta(days=91), -(decisions // 10), decisions,
             repeat(0.2))
    return home, catalogue, model.model_name


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="seawall-bench-pack-"))
    try:
        start = time.perf_counter()
        home, catalogue, model = set_up(root, args.decisions)
        print(f"set-up: {args.decisions:,} decisions in the quarter (+10 % before it) in "
              f"{time.perf_counter() - start:.0f} s")
        log = str(region_home(home, REGION) / "decisions.db")
        request = PackRequest(model=model, region=REGION, period="2026Q4", home=home,
                              out=root / "reports", lang="vi", catalogue=catalogue)
        end = (START + timedelta(days=92)).isoformat(timespec="microseconds")
        first = START.isoformat(timespec="microseconds")
        store = open_store(log, read_only=True)
        summary_s, summary = timed(lambda: store.summary(model, first, end), args.repeat)
        scan_s, scanned = timed(lambda: store.db.execute(
            "SELECT model_version, role, count(*), min(seq), max(seq) FROM decisions "
            "NOT INDEXED WHERE model_name = ? AND decided_at >= ? AND decided_at < ? "
            "GROUP BY model_version, role", (model, first, end)).fetchall(), args.repeat)
        assert summary.decisions == sum(r[2] for r in scanned) == args.decisions
        pack_s, pack = timed(lambda: build_pack(request), args.repeat)
        print(f"pack (gather, render HTML + PDF, sign): {pack_s:6.2f} s  {pack}")
        print(f"  the log's part, summary() from the index: {summary_s * 1000:8.1f} ms")
        print(f"  the naive peer, one SQL pass over the table: {scan_s * 1000:8.1f} ms "
              f"({scan_s / summary_s:.1f}x the index)")
        print(f"target: pack under 20 s -> {'met' if pack_s < 20 else 'NOT met'}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
