"""Group commit for the decision log, in a writer process beside each serving worker.

Requests hand their decisions to `DecisionWriter.record` and await it. The writer process
(`service.log_process`) owns the store: it takes everything sent since its last commit,
chains and appends it in one transaction, and acknowledges; the acknowledgement resolves the
waiting requests. So a response leaves only once its decisions are durable, many concurrent
requests share one fsync, and the serving process spends no time hashing or committing.

Why a process and not a thread: a writer thread chaining rows (SHA-256 over canonical JSON)
competes with the event loop for the GIL, and every commit wakes the loop from another
thread; `bench/serve_peers.py` measured that as a quarter of the service's throughput.

Every request frame carries an id and every acknowledgement names the ids it settles, so
whatever happens between sending and committing (a frame that cannot be encoded or read, a
failed commit, a dead or silent writer) settles each waiting request on its own and can never
make it wait for another request's commit. A frame is encoded before its request waits, so a
request whose decisions cannot be encoded fails alone and leaves nothing behind.

If the store fails, the requests of that commit get a `DecisionLogError` (the service answers
503: a decision that is not logged is not returned) and the next commit reopens the store. If
the writer process dies, every waiting request gets the error and the next request starts a
new one. A request that is not acknowledged within `timeout` seconds gets the error too (it
may still be logged later: logged and not answered is safe, answered and not logged is not).
Until a commit succeeds again, `problem` says why the writer cannot commit; `/ready` reports
it and `probe()` tries the store again. The database URL travels over the pipe, never in argv
or the environment.

`record(decisions, key=request_id)` makes a request idempotent: if the log already holds
decisions under that request id (a client retrying after a failover), nothing is appended and
`record` returns the logged rows to answer from. With `standby=True` a store that cannot be
opened yet (a read-only standby before it is promoted) leaves the writer running with a
`problem`, and every probe tries the store again.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

import orjson

from artifacts.errors import LedgerError
from artifacts.ledger import DecisionColumns, redact, resolve_url
from service.errors import DecisionLogError
from service.log_frames import FRAME, REPLAY_FIELDS, frame

log = logging.getLogger("seawall.decisions")
START_TIMEOUT = 120.0  # seconds for the writer process to import and open the store
PROBE_TIMEOUT = 5.0  # seconds a readiness probe waits for an empty commit


class DecisionWriter:
    """`await writer.start()` in the serving loop, `await writer.record(decisions)` per
    request, `await writer.close()` at shutdown (commits what was sent)."""

    def __init__(self, url: str, *, max_batch: int = 1024, timeout: float = 30.0,
                 retention_days: float | None = None,
                 on_commit: Callable[[int], None] | None = None, standby: bool = False) -> None:
        self.url, self.max_batch, self.timeout = url, max_batch, timeout
        self.standby = standby  # the store may refuse writes until it is promoted
        self.retention_days = retention_days  # kept feature values older than this go
        self.location = "decision log"  # replaced by the store's (password-free) location
        self.problem: str | None = None  # why the last commit failed, until one succeeds
        self._on_commit = on_commit or (lambda n: None)
        self._waiting: dict[int, asyncio.Future] = {}  # request id -> its answer (replayed rows)
        self._ids = itertools.count(1)
        self._outgoing: list[bytes] = []  # frames not yet written to the writer process
        self._process: asyncio.subprocess.Process | None = None
        self._acks: asyncio.Task | None = None
        self._starting = asyncio.Lock()
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The writer process's id while it runs (for operators and diagnostics)."""
        return self._process.pid if self._process is not None else None

    async def start(self) -> None:
        """Start the writer process and open the store; `DecisionLogError` if it cannot."""
        try:
            url = resolve_url(self.url)  # here, so the writer process needs no secret store
        except LedgerError as e:
            raise DecisionLogError(e.diagnostics()) from None
        package_root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (package_root, os.environ.get("PYTHONPATH")) if p)}
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "service.log_process", stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, env=env)
        except OSError as e:
            raise DecisionLogError(f"cannot start the decision-log writer process ({e})") from e
        process.stdin.write(frame({"url": url, "max_batch": self.max_batch,
                                   "retention_days": self.retention_days,
                                   "standby": self.standby, "location": redact(url)}))
        try:
            hello = await asyncio.wait_for(_read_frame(process.stdout), START_TIMEOUT)
        except (asyncio.IncompleteReadError, TimeoutError):
            hello = {"ready": False, "error": "the decision-log writer process did not start "
                     f"(exit code {process.returncode}); see its messages above"}
        if not hello["ready"]:
            if process.returncode is None:
                process.kill()
            await process.wait()
            raise DecisionLogError(hello["error"])
        self.location, self.problem = hello["location"], hello.get("problem")
        if self.problem is not None:
            log.warning("the decision log is not writable yet (a standby?): %s", self.problem)
        self._process, self._waiting = process, {}
        self._acks = asyncio.get_running_loop().create_task(
            self._read_acks(process, self._waiting))

    async def record(self, decisions: list[DecisionColumns], key: str | None = None
                     ) -> list[dict] | None:
        """Return once one request's `decisions` are committed; raise `DecisionLogError` if they
        are not (the store failed, the writer died, or `timeout` seconds passed). With `key`
        (the client's request id) already in the log: nothing is appended and the logged rows
        come back (dicts of `REPLAY_FIELDS`), to answer from."""
        rid = next(self._ids)
        try:
            data = frame([rid, decisions, key])
        except TypeError as e:  # orjson: a value JSON cannot hold; fail alone, before waiting
            log.error("decisions of one request cannot be encoded for the log: %s", e)
            raise DecisionLogError(f"{self.location}: the decisions cannot be encoded ({e}); "
                                   "nothing was logged") from None
        if self._process is None:
            if self._closed:
                raise DecisionLogError(f"{self.location}: the writer is closed")
            await self._restart()
        loop = asyncio.get_running_loop()
        waiting = self._waiting  # the current writer process's requests
        future = waiting[rid] = loop.create_future()
        if not self._outgoing:  # the first frame this turn of the loop: flush after the turn
            loop.call_soon(self._flush, self._process)
        self._outgoing.append(data)
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            self.problem = (f"{self.location}: no commit was acknowledged within "
                            f"{self.timeout:g} s")
            log.error("%s; the request is answered 503", self.problem)
            raise DecisionLogError(self.problem) from None
        finally:
            waiting.pop(rid, None)

    async def probe(self) -> str | None:
        """Why the writer cannot commit now, or None. Only while `problem` is set does it try
        the store again (an empty commit), so a writer that recovers turns ready again."""
        if self.problem is None or self._closed:
            return self.problem
        try:  # a readiness probe must answer in seconds, whatever the commit timeout
            await asyncio.wait_for(self.record([]), min(self.timeout, PROBE_TIMEOUT))
        except (DecisionLogError, TimeoutError):
            pass
        return self.problem

    def _flush(self, process: asyncio.subprocess.Process) -> None:
        """Every frame of this turn of the loop in one write: one system call, not one per
        request."""
        if self._outgoing:
            data, self._outgoing = b"".join(self._outgoing), []
            if process.returncode is None:
                process.stdin.write(data)  # a dead writer's requests are failed by _read_acks

    async def close(self) -> None:
        """Let the writer commit everything sent, then wait for it to exit."""
        process, self._process, self._closed = self._process, None, True
        if process is None:
            return
        self._flush(process)
        process.stdin.close()
        await self._acks
        await process.wait()

    async def _restart(self) -> None:
        async with self._starting:
            if self._process is None:
                log.warning("starting a new decision-log writer process")
                await self.start()

    async def _read_acks(self, process: asyncio.subprocess.Process,
                         waiting: dict[int, asyncio.Future]) -> None:
        try:
            while True:
                ack = await _read_frame(process.stdout)
                error = DecisionLogError(ack["error"]) if ack["error"] else None
                replays = ack.get("replays") or {}
                if error is None:
                    self.problem = None
                    self._on_commit(ack["decisions"])
                elif ack["decisions"] or self.standby:  # a failed commit, not a bad request
                    self.problem = ack["error"]
                for rid in ack["ids"]:
                    rows = replays.get(str(rid))
                    _settle(waiting.get(rid), error,
                            None if rows is None else [dict(zip(REPLAY_FIELDS, r)) for r in rows])
        except asyncio.IncompleteReadError:  # the writer exited: at shutdown, or it crashed
            pass
        except (ValueError, KeyError, TypeError) as e:  # garbled: trust nothing more from it
            log.error("the decision-log writer process sent a bad acknowledgement (%s)", e)
            process.kill()
        code = await process.wait()
        lost = DecisionLogError(f"{self.location}: the decision-log writer process exited "
                                f"(code {code}) before committing")
        if self._process is process:
            self._process = None
            if not self._closed:
                self.problem = lost.diagnostics()
            log.error("the decision-log writer process exited with code %s; %d requests are "
                      "not answered", code, len(waiting))
        for future in list(waiting.values()):
            _settle(future, lost)


async def _read_frame(stream: asyncio.StreamReader) -> dict:
    (size,) = FRAME.unpack(await stream.readexactly(FRAME.size))
    return orjson.loads(await stream.readexactly(size))


def _settle(future: asyncio.Future | None, error: Exception | None,
            replayed: list[dict] | None = None) -> None:
    if future is None or future.done():  # timed out, or cancelled (the client went away)
        return
    if error is None:
        future.set_result(replayed)
    else:
        future.set_exception(error)
