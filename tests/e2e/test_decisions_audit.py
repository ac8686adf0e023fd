"""`seawall decisions verify` as an auditor runs it: it never writes to the log it audits, and a
log that was dropped, emptied or holds nothing is not reported as an intact chain."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from artifacts.ledger import Decision, open_store

SEAWALL = [sys.executable, "-m", "seawall"]


def audit(log: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([*SEAWALL, "decisions", "verify", "--decision-log", str(log), *extra],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})


def decision(i: int) -> Decision:
    return Decision(request_id=f"r{i}", decided_at="2026-12-01T00:00:00+00:00",
                    endpoint="predict", role="champion", model_name="m", model_version="1",
                    bundle_digest="0" * 64, application_id=None, features_sha256="1" * 64,
                    probability=0.1 * i)


@pytest.fixture
def log(tmp_path) -> Path:
    path = tmp_path / "decisions.db"
    store = open_store(str(path))
    store.append([decision(i) for i in range(3)])
    store.close()
    db = sqlite3.connect(path)  # as a copy handed to an auditor: one file, rollback journal
    db.execute("PRAGMA journal_mode=DELETE")
    db.close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_audit_opens_the_log_read_only_and_changes_nothing(log):
    before = digest(log), sorted(p.name for p in log.parent.iterdir())
    out = audit(log)
    assert out.returncode == 0 and "3 decisions, chain intact" in out.stdout
    assert (digest(log), sorted(p.name for p in log.parent.iterdir())) == before
    mode = sqlite3.connect(log).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "delete"  # not switched to WAL by the audit


@pytest.mark.parametrize("damage", ["drop the table", "empty the file", "replace the file"])
def test_a_dropped_emptied_or_replaced_log_is_not_an_intact_chain(log, damage):
    if damage == "drop the table":
        db = sqlite3.connect(log)
        db.execute("DROP TABLE decisions")
        db.commit()
        db.close()
    elif damage == "empty the file":
        log.write_bytes(b"")
    else:
        log.write_bytes(b"not a database at all")
    out = audit(log)
    assert out.returncode == 1 and "intact" not in out.stdout
    assert "not a readable decision log" in out.stderr and "Traceback" not in out.stderr


def test_an_empty_log_fails_unless_it_is_expected(tmp_path):
    path = tmp_path / "decisions.db"
    open_store(str(path)).close()  # the schema, no decisions
    out = audit(path)
    assert out.returncode == 1 and "holds no decisions" in out.stderr
    assert "--expect-empty" in out.stderr
    expected = audit(path, "--expect-empty")
    assert expected.returncode == 0 and "0 decisions, chain intact" in expected.stdout


def test_a_missing_log_is_named(tmp_path):
    out = audit(tmp_path / "nowhere.db")
    assert out.returncode == 1 and "no decision log there" in out.stderr
