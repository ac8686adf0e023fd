"""A period's summary (counts per version and role, first and last record, the head) is the
same from every store, honours its bounds exactly, and comes from the covering index."""

from __future__ import annotations

import random
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artifacts.ledger import Decision, InMemoryStore, open_store

BASE = Decision(request_id="r", decided_at="", endpoint="predict", role="champion",
                model_name="m", model_version="1", bundle_digest="0" * 64, application_id=None,
                features_sha256="1" * 64, probability=0.25)


def at(day: int, second: int = 0) -> str:
    return f"2026-10-{day:02d}T00:00:{second:02d}.000000+00:00"


def decisions() -> list[Decision]:
    rows = [BASE._replace(decided_at=at(1, 0), model_version="1"),
            BASE._replace(decided_at=at(1, 1), model_version="1", role="shadow"),
            BASE._replace(decided_at=at(2), model_name="other"),
            BASE._replace(decided_at=at(3), model_version="2"),
            BASE._replace(decided_at=at(5), model_version="2"),  # == end: outside
            BASE._replace(decided_at=at(9), model_version="2")]
    return rows


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    if request.param == "memory":
        return InMemoryStore()
    return open_store(str(tmp_path / "decisions.db"))


def test_counts_points_and_head_of_a_period(store):
    logged = store.append(decisions())
    summary = store.summary("m", at(1), at(5))
    assert [(v.model_version, v.role, v.decisions, v.first_seq, v.last_seq)
            for v in summary.versions] == [("1", "champion", 1, 1, 1), ("1", "shadow", 1, 2, 2),
                                           ("2", "champion", 1, 4, 4)]
    assert summary.decisions == 3
    assert (summary.first.seq, summary.first.hash) == (1, logged[0].hash)
    assert (summary.last.seq, summary.last.hash, summary.last.decided_at) == \
        (4, logged[3].hash, at(3))
    assert summary.head.seq == 6 and summary.head.hash == logged[-1].hash
    assert summary.span == (at(1, 0), at(9))


def test_an_empty_period_has_no_points_but_the_head(store):
    store.append(decisions())
    summary = store.summary("m", at(20), at(25))
    assert summary.versions == [] and summary.decisions == 0
    assert summary.first is None and summary.last is None and summary.head.seq == 6
    assert InMemoryStore().summary("m", at(1), at(2)).head is None


@settings(max_examples=30, deadline=None)
@given(days=st.lists(st.integers(1, 28), max_size=40), bounds=st.tuples(
    st.integers(1, 29), st.integers(1, 29)), seed=st.integers(0, 9))
def test_sqlite_agrees_with_the_plain_count(tmp_path_factory, days, bounds, seed):
    rng = random.Random(seed)
    rows = [BASE._replace(decided_at=at(d, rng.randrange(60)), model_version=rng.choice("12"),
                          role=rng.choice(["champion", "canary"]),
                          model_name=rng.choice(["m", "n"])) for d in days]
    start, end = at(min(bounds)), at(max(bounds))
    real = open_store(str(tmp_path_factory.mktemp("p") / "d.db"))
    fake = InMemoryStore()
    if rows:
        real.append(rows)
        fake.append(rows)
    assert real.summary("m", start, end) == fake.summary("m", start, end)
    expected = sum(r.model_name == "m" and start <= r.decided_at < end for r in rows)
    assert real.summary("m", start, end).decisions == expected
    for version, role in (("1", "champion"), ("2", "canary")):  # the monitor's read
        scores = real.scores("m", version, role, start, end)
        assert scores == fake.scores("m", version, role, start, end)
        assert len(scores) == sum((r.model_name, r.model_version, r.role) == ("m", version, role)
                                  and start <= r.decided_at < end for r in rows)


def test_the_count_reads_the_covering_index_not_the_table(tmp_path):
    path = tmp_path / "decisions.db"
    open_store(str(path)).close()
    db = sqlite3.connect(path)
    plan = " ".join(str(r[-1]) for r in db.execute(
        "EXPLAIN QUERY PLAN SELECT count(*), min(seq), max(seq) FROM decisions WHERE "
        "model_name = 'm' AND model_version = '1' AND role = 'champion' AND "
        "decided_at >= 'a' AND decided_at < 'b'"))
    assert "COVERING INDEX decisions_model_period" in plan and "decided_at>?" in plan
    seek = " ".join(str(r[-1]) for r in db.execute(
        "EXPLAIN QUERY PLAN SELECT min(model_version) FROM decisions WHERE model_name = 'm' "
        "AND model_version > ''"))
    assert "COVERING INDEX decisions_model_period" in seek


def test_a_read_only_log_without_the_index_is_still_summarised(tmp_path):
    path = tmp_path / "decisions.db"
    open_store(str(path)).append(decisions())
    db = sqlite3.connect(path)
    db.execute("DROP INDEX decisions_model_period")
    db.commit()
    db.close()
    assert open_store(str(path), read_only=True).summary("m", at(1), at(5)).decisions == 3
