"""The decision-log writer: a real writer process committing groups of requests to SQLite."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
from decision_helpers import decision, request

from artifacts.ledger import open_store, verify_chain
from service import DecisionLogError, DecisionWriter
from service.log_frames import FRAME, frame
from service.log_process import FrameReader, GroupCommitter, Request, groups


def test_concurrent_requests_share_commits_and_extend_one_chain(tmp_path):
    commits: list[int] = []

    async def run():
        writer = DecisionWriter(str(tmp_path / "d.db"), on_commit=commits.append)
        await writer.start()
        await asyncio.gather(*(writer.record(request(decision(i), decision(i, role="shadow")))
                               for i in range(200)))
        await writer.close()

    asyncio.run(run())
    assert sum(commits) == 400
    assert len(commits) < 200  # group commit: requests shared a transaction
    store = open_store(str(tmp_path / "d.db"))
    report = verify_chain(store)
    assert report.intact and report.records == 400
    logged = [r.decision for r in store.records()]
    assert logged[:2] == [decision(0), decision(0, role="shadow")]  # field for field, in order
    store.close()


def test_close_commits_everything_sent(tmp_path):
    async def run():
        writer = DecisionWriter(str(tmp_path / "d.db"))
        await writer.start()
        tasks = [asyncio.create_task(writer.record(request(decision(i)))) for i in range(5)]
        await asyncio.sleep(0)  # every task has sent its decisions
        await writer.close()  # returns once the writer has committed them and exited
        await asyncio.gather(*tasks)

    asyncio.run(run())
    assert verify_chain(open_store(str(tmp_path / "d.db"))).records == 5


def test_a_standby_writer_starts_not_ready_and_turns_ready_once_the_store_opens(tmp_path):
    """A DR region's writer before failover: the store refuses, the writer runs with the
    problem, every probe tries again, and the first probe after the store opens clears it."""
    blocker = tmp_path / "standby"
    blocker.write_text("")  # a file where the log's directory must be: the store cannot open

    async def run():
        writer = DecisionWriter(str(blocker / "d.db"), standby=True)
        await writer.start()
        assert writer.pid is not None
        assert "cannot open the decision log" in writer.problem
        assert "cannot open" in await writer.probe()
        with pytest.raises(DecisionLogError):
            await writer.record(request(decision(1)))
        blocker.unlink()  # "promoted": the store can be opened now
        assert await writer.probe() is None
        await writer.record(request(decision(2)))
        await writer.close()

    asyncio.run(run())
    assert [r.decision for r in open_store(str(blocker / "d.db")).records()] == [decision(2)]


def test_groups_never_hold_one_key_twice():
    a, b, a2 = (Request(i, [decision(i)], [None], key) for i, key in
                ((1, "k"), (2, None), (3, "k")))
    assert [[r.id for r in g] for g in groups([a, b, a2], 100)] == [[1, 2], [3]]


def test_a_store_that_cannot_open_fails_start_with_its_reason(tmp_path):
    (tmp_path / "file").write_text("")

    async def run():
        writer = DecisionWriter(str(tmp_path / "file" / "d.db"))
        with pytest.raises(DecisionLogError, match="cannot open the decision log"):
            await writer.start()
        assert writer.pid is None

    asyncio.run(run())


def test_a_dead_writer_fails_waiting_requests_and_the_next_request_starts_another(tmp_path):
    async def run():
        writer = DecisionWriter(str(tmp_path / "d.db"))
        await writer.start()
        await writer.record(request(decision(1)))
        first = writer.pid
        os.kill(first, signal.SIGSTOP)  # so the request below is still waiting when it dies
        waiting = asyncio.create_task(writer.record(request(decision(2))))
        await asyncio.sleep(0.1)
        os.kill(first, signal.SIGKILL)
        with pytest.raises(DecisionLogError, match="exited"):
            await waiting
        await writer.record(request(decision(3)))
        assert writer.pid not in (None, first)
        await writer.close()

    asyncio.run(run())
    store = open_store(str(tmp_path / "d.db"))
    assert [r.decision.request_id for r in store.records()] == ["req-1", "req-3"]
    assert verify_chain(store).intact


class FlakyStore:
    """A store whose first append fails, as a lost database connection would."""

    location = "flaky://"
    opened = 0

    def __init__(self, fail: bool) -> None:
        self.fail = fail
        self.appended: list = []
        FlakyStore.opened += 1

    def append_once(self, decisions, features=None, once=()):
        if self.fail:
            raise DecisionLogError("flaky://: connection lost")
        self.appended.extend(decisions)
        return decisions, {}

    def close(self):
        pass


def test_a_failed_commit_reports_its_error_and_the_next_group_reopens_the_store():
    FlakyStore.opened = 0
    broken, fresh = FlakyStore(fail=True), FlakyStore(fail=False)
    stores = iter([broken, fresh])
    committer = GroupCommitter(lambda: next(stores))
    assert "connection lost" in committer.commit([pending(1, [decision(1)])])[0]
    assert committer.commit([pending(2, [decision(2)]), pending(3, [decision(3)])]) == (None, {})
    assert FlakyStore.opened == 2
    assert fresh.appended == [decision(2), decision(3)]  # one append for the whole group


def test_groups_hold_at_most_max_batch_decisions_and_never_split_a_request():
    requests = [pending(i, [decision(i)] * n) for i, n in enumerate([3, 3, 5, 1, 1])]
    assert [[len(r.decisions) for r in g] for g in groups(requests, 4)] == [[3], [3], [5],
                                                                            [1, 1]]
    assert [[len(r.decisions) for r in g] for g in groups(requests, 100)] == [[3, 3, 5, 1, 1]]
    assert [[r.id for r in g] for g in groups(requests, 4)] == [[0], [1], [2], [3, 4]]


def pending(rid: int, decisions: list) -> Request:
    return Request(rid, decisions, [None] * len(decisions))


def test_a_request_that_cannot_be_encoded_fails_alone_and_delays_no_other(tmp_path):
    """The outside probe's stall: a lone surrogate in one request's decisions used to leave its
    slot in the queue, so every later answer waited for the commit after its own."""
    async def run():
        writer = DecisionWriter(str(tmp_path / "d.db"), timeout=20)
        await writer.start()
        bad = request(decision(2, application_id="\ud800"))
        results = await asyncio.gather(
            writer.record(request(decision(1))), writer.record(bad),
            writer.record(request(decision(3))), return_exceptions=True)
        assert results[0] is None and results[2] is None
        assert isinstance(results[1], DecisionLogError) and "encoded" in str(results[1])
        # Alone now, the next request is answered by its own commit, not a later one's.
        await asyncio.wait_for(writer.record(request(decision(4))), 5)
        assert writer.problem is None
        await writer.close()

    asyncio.run(run())
    store = open_store(str(tmp_path / "d.db"))
    assert sorted(r.decision.request_id for r in store.records()) == ["req-1", "req-3", "req-4"]


def test_a_frame_the_writer_cannot_read_is_refused_alone(tmp_path):
    """Columns of unequal length reach the writer process; it refuses that request by its id
    and commits the others of the same group."""
    async def run():
        writer = DecisionWriter(str(tmp_path / "d.db"), timeout=20)
        await writer.start()
        (short,) = request(decision(2))
        short = short._replace(features_sha256=[])  # one row, no hash: rows() refuses it
        results = await asyncio.gather(
            writer.record(request(decision(1))), writer.record([short]),
            writer.record(request(decision(3))), return_exceptions=True)
        assert results[0] is None and results[2] is None
        assert isinstance(results[1], DecisionLogError)
        assert "could not read this request" in str(results[1])
        await asyncio.wait_for(writer.record(request(decision(4))), 5)
        await writer.close()

    asyncio.run(run())
    store = open_store(str(tmp_path / "d.db"))
    assert [r.decision.request_id for r in store.records()] == ["req-1", "req-3", "req-4"]
    assert verify_chain(store).intact


def test_an_unanswered_request_times_out_and_the_writer_reports_a_problem(tmp_path):
    async def run():
        writer = DecisionWriter(str(tmp_path / "d.db"), timeout=0.5)
        await writer.start()
        await writer.record(request(decision(1)))
        os.kill(writer.pid, signal.SIGSTOP)  # alive, holding its pipe, answering nothing
        try:
            with pytest.raises(DecisionLogError, match="no commit was acknowledged"):
                await writer.record(request(decision(2)))
            assert "no commit" in writer.problem
            assert "no commit" in await writer.probe()  # still stopped: still a problem
        finally:
            os.kill(writer.pid, signal.SIGCONT)
        assert await writer.probe() is None  # it commits again: the problem is gone
        await writer.close()

    asyncio.run(run())


def test_the_frame_reader_returns_whole_frames_only():
    read, write = os.pipe()
    data = frame([decision(1)]) + frame({"x": 1})
    os.write(write, data[:-3])  # the second frame is incomplete
    reader = FrameReader(read)
    assert len(reader.frames()) == 1
    os.write(write, data[-3:])
    assert reader.frames() == [data[len(frame([decision(1)])) + FRAME.size:]]
    os.close(write)
    assert reader.frames() == [] and reader.ended
    os.close(read)
