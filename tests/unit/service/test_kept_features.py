"""Feature values kept onshore beside the decision log, for the monitor: written by the same
writer in the same transaction, each row the JSON its chained `features_sha256` digests, not
kept with a retention of 0, and deleted once older than the retention period."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from decision_helpers import decision
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from service_helpers import service_settings

from artifacts.ledger import DecisionColumns, InMemoryStore, features_sha256, open_store
from service import create_app
from service.log_frames import FRAME, frame
from service.log_process import GroupCommitter, Request, decode


def kept(path) -> dict[int, str]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT seq, features FROM decision_features").fetchall())


def test_the_service_keeps_each_decisions_values_matching_its_chained_digest(serving,
                                                                            tmp_path):
    settings = service_settings(serving, tmp_path, shadow=serving.challenger)
    with TestClient(create_app(settings)) as client:
        assert client.post("/predict", json={"rows": serving.rows(20)}).status_code == 200
        assert client.post("/score", json={"rows": serving.golden["rows"][20:25]}
                           ).status_code == 200
    records = list(open_store(str(tmp_path / "decisions.db")).records())
    values = kept(tmp_path / "decisions.db")
    assert len(records) == 50 and set(values) == {r.seq for r in records}  # shadow's too
    for r in records:
        assert hashlib.sha256(values[r.seq].encode()).hexdigest() == r.decision.features_sha256
    names = serving.golden["columns"]
    first = orjson.loads(values[records[0].seq])
    assert first == [serving.rows(1)[0][n] for n in names]  # contract order, as received


def test_a_retention_of_zero_keeps_nothing(serving, tmp_path):
    settings = service_settings(serving, tmp_path, feature_retention_days=0)
    with TestClient(create_app(settings)) as client:
        assert client.post("/predict", json={"rows": serving.rows(5)}).status_code == 200
    assert len(list(open_store(str(tmp_path / "decisions.db")).records())) == 5
    assert kept(tmp_path / "decisions.db") == {}


def at(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat(timespec="microseconds")


def test_the_writer_deletes_values_past_retention_and_keeps_the_chain(tmp_path):
    path = tmp_path / "d.db"
    store = open_store(str(path))
    store.append([decision(i, decided_at=at(100 - i)) for i in range(10)],
                 [f"[{i}]" for i in range(10)])  # 100 down to 91 days old
    store.close()
    committer = GroupCommitter(lambda: open_store(str(path)), retention_days=95)
    assert committer.commit([Request(1, [decision(10, decided_at=at(0))], ["[10]"])]) == (None, {})
    assert committer.purge_due() == 6 and committer.purge_due() == 0  # then not for an hour
    committer.close()
    assert sorted(orjson.loads(v)[0] for v in kept(path).values()) == [6, 7, 8, 9, 10]
    assert len(list(open_store(str(path)).records())) == 11  # decisions are never deleted


def test_a_turn_deletes_a_bounded_number_of_chunks_and_the_next_goes_on(tmp_path,
                                                                          monkeypatch):
    from artifacts.ledger import companions
    from service import log_process

    monkeypatch.setattr(companions, "PURGE_CHUNK", 2)
    monkeypatch.setattr(log_process, "PURGE_CHUNK", 2)
    monkeypatch.setattr(log_process, "PURGE_CHUNKS", 2)
    path = tmp_path / "d.db"
    store = open_store(str(path))
    store.append([decision(i, decided_at=at(200 - i)) for i in range(9)],
                 [f"[{i}]" for i in range(9)])
    committer = GroupCommitter(lambda: open_store(str(path)), retention_days=1)
    assert [committer.purge_due() for _ in range(4)] == [4, 4, 1, 0]


def test_the_serving_writer_deletes_expired_values_after_answering(serving, tmp_path):
    store = open_store(str(tmp_path / "decisions.db"))
    store.append([decision(1, decided_at=at(400))], ["[1]"])
    store.close()
    settings = service_settings(serving, tmp_path, feature_retention_days=365)
    with TestClient(create_app(settings)) as client:
        assert client.post("/predict", json={"rows": serving.rows(3)}).status_code == 200
    assert len(kept(tmp_path / "decisions.db")) == 3  # the 400-day-old row is gone


def test_purging_walks_chunks_from_the_oldest_end(tmp_path, monkeypatch):
    from artifacts.ledger import companions

    monkeypatch.setattr(companions, "PURGE_CHUNK", 3)
    store = open_store(str(tmp_path / "d.db"))
    store.append([decision(i, decided_at=at(50 - i)) for i in range(11)],
                 [f"[{i}]" for i in range(11)])
    assert store.purge_features(at(44.5)) == 6  # 50..45 days old, over three chunks
    assert store.purge_features(at(44.5)) == 0
    memory = InMemoryStore()
    memory.append([decision(i, decided_at=at(50 - i)) for i in range(11)],
                  [f"[{i}]" for i in range(11)])
    assert memory.purge_features(at(44.5)) == 6


def test_a_frame_with_values_for_the_wrong_number_of_rows_is_refused_alone():
    columns = DecisionColumns.of(decision(1))._replace(features=[[1, 2], [3, 4]])
    refused = decode(frame([7, [columns]])[FRAME.size:])
    assert refused.ids == [7] and "2 rows of feature values for 1 decisions" in refused.error


json_values = st.one_of(st.none(), st.booleans(), st.integers(-2**53, 2**53),
                        st.floats(allow_nan=False, allow_infinity=False),
                        st.text(max_size=12))


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(json_values, min_size=1, max_size=6), min_size=1, max_size=5))
def test_values_through_the_writers_pipe_still_match_their_digest(rows):
    """Whatever JSON values a request carried, the kept text after the pipe is the very JSON
    the service digested, so the chain vouches for it."""
    d = decision(1)
    columns = DecisionColumns(*d[:7], [None] * len(rows), [features_sha256(r) for r in rows],
                              [0.5] * len(rows), features=rows)
    received = decode(frame([1, [columns]])[FRAME.size:])
    assert [hashlib.sha256(t.encode()).hexdigest() for t in received.features] == \
        [features_sha256(r) for r in rows]
    store = InMemoryStore()
    store.append(received.decisions, received.features)
    assert store.features(d.model_name, d.model_version, d.role, "", "~") == \
        received.features


@pytest.mark.parametrize("retention", [None, 30.0])
def test_a_failed_purge_never_fails_the_commit(retention, caplog):
    class NoPurge(InMemoryStore):
        def purge_features(self, before, chunks=None):
            raise RuntimeError("disk full")

    committer = GroupCommitter(NoPurge, retention_days=retention)
    assert committer.commit([Request(1, [decision(1)], ["[1]"])]) == (None, {})
    assert committer.purge_due() == 0
    assert ("deleting expired feature values failed" in caplog.text) == (retention is not None)
