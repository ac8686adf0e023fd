"""Observed outcomes, onshore: `seawall outcomes load --region R FILE` records, for decisions the
region made, whether the applicant defaulted and when that was observed. The monitor joins them
to the decisions by application id for AUC, calibration and DeLong (label-delayed: only
decisions whose outcome is on record take part, and the report says how many).

The file is CSV with a header: `application_id` (or `request_id`), `default` (0 or 1, or
true/false) and `observed_on` (an ISO date). A malformed row refuses the whole file, naming up
to ten rows. Ids the region never decided on, ids repeated in the file and ids already on record
are reported by row and not loaded; an outcome is recorded once. The store is a SQLite file in
the region's home (`outcomes.db`), beside the decision log: outcomes never leave the region.
"""

from __future__ import annotations

import csv
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from monitoring.errors import MonitoringError

OUTCOMES = "outcomes.db"  # in the region's home, beside the decision log
FLAGS = {"0": 0, "1": 1, "false": 0, "true": 1}
SCHEMA = ("CREATE TABLE IF NOT EXISTS outcomes (application_id TEXT PRIMARY KEY, "
          "defaulted INTEGER NOT NULL CHECK (defaulted IN (0, 1)), observed_on TEXT NOT NULL, "
          "loaded_at TEXT NOT NULL, source TEXT NOT NULL)")
SHOWN = 10


class OutcomeError(MonitoringError):
    next_step = "fix the outcomes file named and load it again"


@dataclass
class LoadResult:
    loaded: int = 0
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (line, id)
    repeated: list[tuple[int, str]] = field(default_factory=list)  # twice in the file
    on_record: list[tuple[int, str]] = field(default_factory=list)  # loaded before


def read_outcomes(path: Path) -> list[tuple[int, str, int, str]]:
    """(line, id, defaulted, observed_on) per data row, every row checked."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            key = "application_id" if "application_id" in header else \
                "request_id" if "request_id" in header else None
            missing = [c for c in ("default", "observed_on") if c not in header]
            if key is None or missing:
                raise OutcomeError(f"{path}: the header must name application_id (or "
                                   "request_id), default and observed_on (missing: "
                                   f"{', '.join(([] if key else ['application_id']) + missing)})")
            rows, problems = [], []
            for line, row in enumerate(reader, start=2):
                ident = (row.get(key) or "").strip()
                flag = FLAGS.get((row.get("default") or "").strip().lower())
                observed = (row.get("observed_on") or "").strip()
                if not ident:
                    problems.append(f"line {line}: {key} is empty")
                elif flag is None:
                    problems.append(f"line {line}: default must be 0 or 1 "
                                    f"(got {row.get('default')!r})")
                elif not _is_date(observed):
                    problems.append(f"line {line}: observed_on must be an ISO date "
                                    f"(got {observed!r})")
                else:
                    rows.append((line, ident, flag, observed))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise OutcomeError(f"{path}: cannot be read as CSV ({getattr(e, 'strerror', None) or e})"
                           ) from None
    if problems:
        more = f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        raise OutcomeError(f"{path}: {len(problems)} malformed rows, nothing loaded: "
                           + "; ".join(problems[:SHOWN]) + more)
    if not rows:
        raise OutcomeError(f"{path}: no outcome rows")
    return rows


def load_outcomes(path: Path, store_path: Path, known_ids: set[str]) -> LoadResult:
    """Record the file's outcomes for decisions the region made, in one transaction."""
    rows = read_outcomes(path)
    result = LoadResult()
    db = open_outcomes(store_path)
    try:
        recorded = {r[0] for r in db.execute("SELECT application_id FROM outcomes")}
        seen, fresh = set(), []
        for line, ident, flag, observed in rows:
            if ident in seen:
                result.repeated.append((line, ident))
            elif ident not in known_ids:
                result.unknown.append((line, ident))
            elif ident in recorded:
                result.on_record.append((line, ident))
            else:
                fresh.append((ident, flag, observed))
            seen.add(ident)
        if not fresh and result.unknown and not result.on_record:
            raise OutcomeError(f"{path}: none of its {len(rows)} outcomes matches a decision "
                               "of this model in this region (first unknown id "
                               f"{result.unknown[0][1]!r}, line {result.unknown[0][0]})",
                               next_step="check the region, the model and the id column")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with db:
            db.executemany("INSERT INTO outcomes VALUES (?, ?, ?, ?, ?)",
                           [(i, f, o, now, path.name) for i, f, o in fresh])
        result.loaded = len(fresh)
    finally:
        db.close()
    return result


def open_outcomes(store_path: Path) -> sqlite3.Connection:
    store_path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(store_path)
    db.execute(SCHEMA)
    return db


def outcomes_for(store_path: Path, ids: list[str | None]) -> dict[str, int]:
    """The recorded default flag of each id that has one."""
    if not store_path.is_file():
        return {}
    db = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    try:
        wanted = {i for i in ids if i}
        return {i: f for i, f in db.execute("SELECT application_id, defaulted FROM outcomes")
                if i in wanted}
    finally:
        db.close()


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
