"""`seawall decisions verify` as an auditor runs it: it never writes to the log it audits, and a
missing log is named. (What a log's owner can do to it is the log-tamper corpus,
tests/adversarial/test_log_tamper.py.)"""

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


def test_a_missing_log_is_named(tmp_path):
    out = audit(tmp_path / "nowhere.db")
    assert out.returncode == 1 and "no decision log there" in out.stderr
