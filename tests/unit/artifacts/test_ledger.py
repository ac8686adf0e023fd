"""The ledger at its new home: logs written before it moved still verify, byte for byte, and the
in-memory store keeps the same contract as the real ones."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from artifacts.ledger import (
    GENESIS,
    Decision,
    InMemoryStore,
    open_store,
    verify_chain,
)
from artifacts.ledger.records import link_hash

OLD_LOG = Path(__file__).parents[2] / "fixtures" / "decisions-v1.sql"
OLD_HEAD = "366059e3a149af25e55140801d36a1526a5d4709f616e11f20e123dc4def0345"


@pytest.fixture
def old_log(tmp_path) -> Path:
    path = tmp_path / "decisions.db"
    db = sqlite3.connect(path)
    db.executescript(OLD_LOG.read_text())
    db.close()
    return path


def test_a_log_written_before_the_move_verifies_to_its_recorded_head(old_log):
    report = verify_chain(open_store(str(old_log)))
    assert report.intact and report.records == 20 and report.head == OLD_HEAD


def test_the_new_code_extends_an_old_log_in_the_same_chain(old_log):
    store = open_store(str(old_log))
    (linked,) = store.append([next(iter(store.records())).decision._replace(request_id="new")])
    assert linked.seq == 21 and linked.prev_hash == OLD_HEAD
    report = verify_chain(store)
    assert report.intact and report.records == 21 and report.head == linked.hash


def test_an_altered_old_record_is_found(old_log):
    db = sqlite3.connect(old_log)
    db.execute("DROP TRIGGER decisions_no_update")  # as an owner bypassing the trigger would
    db.execute("UPDATE decisions SET probability = 0.99 WHERE seq = 7")
    db.commit()
    report = verify_chain(open_store(str(old_log)))
    assert report.broken_at == 7 and report.records == 6 and "altered" in report.reason


def test_the_in_memory_store_chains_like_the_real_ones():
    d = Decision(request_id="r", decided_at="2026-12-01T00:00:00+00:00", endpoint="predict",
                 role="champion", model_name="m", model_version="1", bundle_digest="0" * 64,
                 application_id=None, features_sha256="1" * 64, probability=0.25)
    store = InMemoryStore()
    first, second = store.append([d, d._replace(request_id="s")])
    assert first.prev_hash == GENESIS and second.prev_hash == first.hash
    assert second.hash == link_hash(2, second.decision, first.hash)
    report = verify_chain(store)
    assert report.intact and report.records == 2 and report.head == second.hash
    store.logged[0] = first._replace(decision=d._replace(probability=0.5))
    assert verify_chain(store).broken_at == 1


def test_documents_beside_the_chain_are_append_only_and_read_by_period(tmp_path):

    store = open_store(str(tmp_path / "d.db"))
    for start, body in (("2026-11-08", "b"), ("2026-11-01", "a"), ("2026-12-01", "c")):
        store.add_document("monitoring_report", "m", start, "2027", "t", body)
    store.add_document("monitoring_rollup", "m", "2026-11-01", "2027", "t", "r")
    assert store.documents("monitoring_report", "m", "2026-11-01", "2026-12-01") == ["a", "b"]
    assert store.documents("monitoring_report", "other", "", "~") == []
    with sqlite3.connect(tmp_path / "d.db") as db:
        for sql in ("UPDATE documents SET body = 'x'", "DELETE FROM documents"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(sql)
