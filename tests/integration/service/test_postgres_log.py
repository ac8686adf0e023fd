"""The production decision log on a real PostgreSQL: chain, append-only trigger, concurrent
writers on one chain, and the service writing to it."""

from __future__ import annotations

import threading

import psycopg
import pytest
from fastapi.testclient import TestClient

from artifacts.errors import LedgerError
from artifacts.ledger import Decision, open_store, verify_chain
from service import ServiceSettings, create_app


def decision(i: int) -> Decision:
    return Decision(request_id=f"req-{i}", decided_at="2026-11-23T09:00:00.000001+00:00",
                    endpoint="explain", role="champion", model_name="m", model_version="1",
                    bundle_digest="ab" * 32, application_id=None, features_sha256="cd" * 32,
                    probability=i / 7, points=None, reason_codes=("RC02",))


def test_the_chain_round_trips_and_verifies(pg_url):
    store = open_store(pg_url)
    store.append([decision(i) for i in range(1, 4)])
    assert [r.decision for r in store.records()] == [decision(i) for i in range(1, 4)]
    report = verify_chain(store)
    assert report.intact and report.records == 3 and report.location == pg_url


def test_update_delete_and_truncate_are_refused(pg_url):
    open_store(pg_url).append([decision(1)])
    with psycopg.connect(pg_url, autocommit=True) as db:
        for sql in ("UPDATE decisions SET probability = 0", "DELETE FROM decisions",
                    "TRUNCATE decisions"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                db.execute(sql)


def test_an_owner_who_disables_the_trigger_is_still_caught(pg_url):
    open_store(pg_url).append([decision(i) for i in range(1, 5)])
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute("ALTER TABLE decisions DISABLE TRIGGER decisions_append_only")
        db.execute("UPDATE decisions SET probability = 0.5 WHERE seq = 3")
    report = verify_chain(open_store(pg_url))
    assert report.broken_at == 3 and "altered" in report.reason


def test_concurrent_writers_extend_one_chain(pg_url):
    def writer(w: int) -> None:
        store = open_store(pg_url)
        for i in range(20):
            store.append([decision(w * 100 + i), decision(w * 100 + i + 50)])
        store.close()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = verify_chain(open_store(pg_url))
    assert report.intact and report.records == 160


def test_a_password_in_the_url_never_reaches_a_message(postgres):
    url = postgres.replace("seawall@", "seawall:s3cret@").rsplit("/", 1)[0] + "/no_such_db"
    with pytest.raises(LedgerError) as e:
        open_store(url)
    assert "s3cret" not in str(e.value) and "***" in str(e.value)


def test_the_service_logs_to_postgres(serving, pg_url):
    settings = ServiceSettings(region="onshore-hn", bundle=serving.champion,
                               catalogue=serving.catalogue, decision_log=pg_url,
                               access_log=False, insecure_no_auth=True)
    with TestClient(create_app(settings)) as c:
        r = c.post("/explain", json={"rows": serving.rows(5)}, headers={"x-request-id": "pg-1"})
        assert r.status_code == 200
    records = list(open_store(pg_url).records())
    assert [x.decision.request_id for x in records] == ["pg-1"] * 5
    assert all(x.decision.reason_codes for x in records)
    assert verify_chain(open_store(pg_url)).intact


def test_an_audit_session_is_read_only_and_a_dropped_table_is_named(pg_url):
    writer = open_store(pg_url)
    writer.append([decision(i) for i in range(3)])
    writer.close()
    audit = open_store(pg_url, read_only=True)
    assert verify_chain(audit).records == 3
    with pytest.raises(LedgerError, match="read-only transaction"):
        audit.append([decision(9)])
    audit.close()
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute("DROP TABLE decisions")
    with pytest.raises(LedgerError, match="cannot open the decision log"):
        open_store(pg_url, read_only=True)


def test_a_period_summary_matches_the_embedded_store(pg_url, tmp_path):
    rows = [Decision(request_id=f"r{i}", decided_at=f"2026-10-0{1 + i % 5}T00:00:00.000000+00:00",
                     endpoint="predict", role=("champion", "shadow")[i % 2], model_name="m",
                     model_version=str(1 + i % 3), bundle_digest="0" * 64, application_id=None,
                     features_sha256="1" * 64, probability=0.5) for i in range(30)]
    pg, lite = open_store(pg_url), open_store(str(tmp_path / "d.db"))
    pg.append(rows)
    lite.append(rows)
    bounds = ("m", "2026-10-02T00:00:00.000000+00:00", "2026-10-05T00:00:00.000000+00:00")
    assert pg.summary(*bounds) == lite.summary(*bounds)
    assert pg.summary(*bounds).decisions == 18
    assert pg.scores("m", "1", "champion", *bounds[1:]) == \
        lite.scores("m", "1", "champion", *bounds[1:])
    with psycopg.connect(pg_url) as db:
        db.execute("SET enable_seqscan = off")
        plan = " ".join(r[0] for r in db.execute(
            "EXPLAIN SELECT count(*) FROM decisions WHERE model_name = 'm' AND "
            "model_version = '1' AND role = 'shadow' AND decided_at >= 'a' AND "
            "decided_at < 'b'").fetchall())
    assert "decisions_model_period" in plan


def test_kept_values_and_documents_live_beside_the_chain(pg_url):
    """The companion tables on PostgreSQL: values written in the append's transaction, read by
    version, role and period, deleted past retention; documents append-only."""
    store = open_store(pg_url)
    old, new = (decision(1)._replace(decided_at="2026-01-01T00:00:00.000001+00:00"),
                decision(2))
    store.append([old, new, decision(3)], ["[1, null]", '["a", 2.5]', None])
    assert store.features("m", "1", "champion", "2026-11-01", "2026-12-01") == ['["a", 2.5]']
    assert store.purge_features("2026-06-01") == 1
    assert store.features("m", "1", "champion", "", "~") == ['["a", 2.5]']
    store.add_document("monitoring_report", "m", "2026-11-01", "2026-11-08", "t1", '{"a": 1}')
    store.add_document("monitoring_report", "m", "2026-11-08", "2026-11-15", "t2", '{"a": 2}')
    assert store.documents("monitoring_report", "m", "2026-11-05", "~") == ['{"a": 2}']
    with psycopg.connect(pg_url, autocommit=True) as db:
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            db.execute("DELETE FROM documents")
    reader = open_store(pg_url, read_only=True)
    assert len(reader.documents("monitoring_report", "m", "", "~")) == 2
