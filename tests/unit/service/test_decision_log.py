"""The hash chain, the SQLite store and the group-commit writer."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from service import Decision, DecisionLogError, DecisionWriter, open_store, verify_chain
from service.decision_log import GENESIS, chain, link_hash


def decision(i: int, **changes) -> Decision:
    d = Decision(request_id=f"req-{i}", decided_at="2026-11-23T09:00:00.000001+00:00",
                 endpoint="score", role="champion", model_name="uci-credit-default",
                 model_version="3", bundle_digest="ab" * 32, application_id=f"APP-{i}",
                 features_sha256="cd" * 32, probability=0.1 + i / 1000, points=612.5,
                 reason_codes=("RC05", "RC01"))
    return d._replace(**changes)


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "decisions.db"))
    yield s
    s.close()


def tamper(path, sql: str, *args) -> None:
    """What someone with write access to the file can do: drop the triggers, then edit."""
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER decisions_no_update")
    db.execute("DROP TRIGGER decisions_no_delete")
    db.execute(sql, args)
    db.commit()
    db.close()


def test_each_link_hashes_the_previous_one():
    linked = chain([decision(1), decision(2)], 0, GENESIS)
    assert [r.seq for r in linked] == [1, 2]
    assert linked[0].prev_hash == GENESIS and linked[1].prev_hash == linked[0].hash
    assert linked[1].hash == link_hash(2, decision(2), linked[0].hash)
    assert link_hash(2, decision(2, probability=0.5), linked[0].hash) != linked[1].hash


def test_appends_continue_one_chain_and_verify(store):
    store.append([decision(1), decision(2)])
    store.append([decision(3)])
    report = verify_chain(store)
    assert report.intact and report.records == 3
    assert report.head == list(store.records())[-1].hash
    assert [r.decision for r in store.records()] == [decision(1), decision(2), decision(3)]


def test_the_store_refuses_update_and_delete(store):
    store.append([decision(1)])
    for sql in ("UPDATE decisions SET probability = 0.9", "DELETE FROM decisions"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.db.execute(sql)


@pytest.mark.parametrize(("sql", "broken_at", "reason"), [
    ("UPDATE decisions SET probability = 0.99 WHERE seq = 3", 3, "altered"),
    ("UPDATE decisions SET reason_codes = '[\"RC01\"]' WHERE seq = 2", 2, "altered"),
    ("DELETE FROM decisions WHERE seq = 2", 2, "missing"),
    ("UPDATE decisions SET prev_hash = hash WHERE seq = 4", 4, "prev_hash"),
])
def test_verify_names_the_first_broken_link(tmp_path, store, sql, broken_at, reason):
    store.append([decision(i) for i in range(1, 6)])
    tamper(tmp_path / "decisions.db", sql)
    report = verify_chain(open_store(str(tmp_path / "decisions.db")))
    assert not report.intact
    assert report.broken_at == broken_at and reason in report.reason
    assert report.records == broken_at - 1


def test_a_rewritten_record_with_a_recomputed_hash_breaks_the_next_link(tmp_path, store):
    store.append([decision(i) for i in range(1, 4)])
    first = list(store.records())[1]
    forged = decision(2, probability=0.01)
    tamper(tmp_path / "decisions.db", "UPDATE decisions SET probability = ?, hash = ? WHERE seq = 2",
           0.01, link_hash(2, forged, first.prev_hash))
    report = verify_chain(open_store(str(tmp_path / "decisions.db")))
    assert report.broken_at == 3 and "prev_hash" in report.reason


def test_unsupported_urls_are_refused_with_the_scheme_named():
    with pytest.raises(DecisionLogError, match="mysql://"):
        open_store("mysql://ledger@db/seawall")


def test_an_unwritable_path_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(DecisionLogError, match="cannot open the decision log"):
        open_store(str(tmp_path / "file" / "decisions.db"))


def test_the_writer_commits_concurrent_requests_in_shared_batches(tmp_path):
    commits: list[int] = []
    writer = DecisionWriter(lambda: open_store(str(tmp_path / "d.db")), on_commit=commits.append)

    async def requests():
        await asyncio.gather(*(writer.record([decision(i)]) for i in range(200)))

    asyncio.run(requests())
    writer.close()
    assert sum(commits) == 200
    assert len(commits) < 200  # group commit: some requests shared a transaction
    report = verify_chain(open_store(str(tmp_path / "d.db")))
    assert report.intact and report.records == 200


class FlakyStore:
    """A store whose first append fails, as a lost database connection would."""

    location = "flaky://"
    opened = 0

    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.appended: list = []
        FlakyStore.opened += 1

    def append(self, decisions):
        if self.fail:
            raise DecisionLogError("flaky://: connection lost")
        self.appended.extend(decisions)
        return decisions

    def records(self):
        return iter(())

    def close(self):
        pass


def test_a_failed_commit_fails_its_requests_and_the_next_batch_reopens_the_store():
    FlakyStore.opened = 0
    stores = iter([FlakyStore(fail=True), FlakyStore(fail=False)])
    writer = DecisionWriter(lambda: next(stores))

    async def run():
        with pytest.raises(DecisionLogError, match="connection lost"):
            await writer.record([decision(1)])
        await writer.record([decision(2)])

    asyncio.run(run())
    writer.close()
    assert FlakyStore.opened == 2


def test_close_commits_what_is_queued(tmp_path):
    writer = DecisionWriter(lambda: open_store(str(tmp_path / "d.db")))
    loop = asyncio.new_event_loop()
    futures = [loop.create_task(writer.record([decision(i)])) for i in range(5)]
    loop.run_until_complete(asyncio.sleep(0))  # every task has queued its decisions
    writer.close()  # returns only after the queued decisions are committed
    loop.run_until_complete(asyncio.gather(*futures))
    loop.close()
    assert verify_chain(open_store(str(tmp_path / "d.db"))).records == 5
