"""The decision-log writer process: it chains and commits, so the serving process does not.

`DecisionWriter` starts it as `python -m service.log_process` and speaks length-prefixed JSON
frames (`FRAME` header, then orjson) over its stdin and stdout:

    in:   {"url": ..., "max_batch": n, "retention_days": d, "standby": b}    once, first
          [id, [[decision column fields...], ...], key]        one frame per request
                                                               (`DecisionColumns`, one per model;
                                                               none: a probe of the store; key:
                                                               the client's request id, or null)
    out:  {"ready": true, "location": ..., "problem": null | "..."}  or  {"ready": false, ...}
          {"ids": [id, ...], "decisions": n, "error": null | "...",
           "replays": {id: [[logged row fields...], ...]}}            one per commit

A request with a key (the client chose its request id) is an idempotent retry when the log
already holds decisions under that id: nothing of it is appended, and its acknowledgement
carries the logged rows (`REPLAY_FIELDS`) for the server to answer from. The look-up and the
append are one transaction under the log's write lock, and a group never holds one key twice,
so a request id is logged once however often, and wherever, it is retried.

With `standby`, a store that cannot be opened at start (a read-only standby before failover, a
database still starting) is not fatal: the process reports ready with the `problem`, and each
commit, probes included, tries to open it again.

Every acknowledgement names the requests it settles, so a request whose frame never arrived,
or could not be read, cannot shift another request's answer onto a later commit. Everything
that arrived since the last commit is appended in one transaction (at most `max_batch`
decisions, never splitting a request), then acknowledged. A frame that cannot be read is
acknowledged alone with its error. If the store fails, those requests get the error and the
next batch reopens the store. At the end of input (the server closed the pipe, or died) it
commits what it has read and exits.

Feature values that come with the decisions are kept beside them in the same transaction
(`decision_features`) and deleted once older than `retention_days`: after the first
acknowledgements, then at most once an hour, always after the acknowledgements of a turn and at
most `PURGE_CHUNKS` chunks a turn (more expired rows: the next turn continues), so a request
never waits for a deletion longer than that. A failed deletion is logged and retried; it never
fails a request.

It imports only the decision log and its stores: no web framework, no model libraries.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import orjson

from artifacts.errors import LedgerError
from artifacts.ledger.companions import PURGE_CHUNK
from artifacts.ledger.records import Decision, DecisionColumns
from artifacts.ledger.stores import DecisionStore, open_resolved_store
from service.errors import DecisionLogError
from service.log_frames import FRAME, REPLAY_FIELDS, frame
from service.logs import JsonFormatter

log = logging.getLogger("seawall.decisions")
PURGE_EVERY = 3600.0  # seconds between deletions of expired feature values
PURGE_CHUNKS = 10  # chunks of companions.PURGE_CHUNK rows deleted in one turn at most


class Request(NamedTuple):
    id: int
    decisions: list[Decision]
    features: list[str | None]  # aligned with `decisions`; None where values are not kept
    key: str | None = None  # the client's request id: log at most once under it


class GroupCommitter:
    """Appends groups of requests' decisions; a failed append closes the store, the next
    group reopens it. With `retention_days`, `purge_due()` deletes kept feature values older
    than that, when due (see the module's docstring)."""

    def __init__(self, open_store: Callable[[], DecisionStore],
                 retention_days: float | None = None, *, standby: str | None = None) -> None:
        self._open = open_store
        self._store: DecisionStore | None = None
        self.problem: str | None = None  # why the store is not open (standby only)
        try:  # fail at start-up, not at the first request, unless waiting for a standby
            self._store = open_store()
            self.location = self._store.location
        except LedgerError as e:
            if standby is None:
                raise
            self.location, self.problem = standby, e.diagnostics()
        self.retention_days = retention_days
        self._purged_at = float("-inf")

    def commit(self, requests: list[Request]) -> tuple[str | None, dict[str, list]]:
        """Append every request's decisions in one transaction: (the error or None, the logged
        rows of each request answered from the log instead)."""
        decisions = [d for request in requests for d in request.decisions]
        features = [f for request in requests for f in request.features]
        keys = {r.key for r in requests if r.key is not None}
        try:
            if self._store is None:
                self._store = self._open()
                self.problem = None
            _, logged = self._store.append_once(decisions, features if any(features) else None,
                                                keys)
        except Exception as e:  # the store's own errors and anything else: never lose silently
            error = e if isinstance(e, (LedgerError, DecisionLogError)) else DecisionLogError(
                f"{self.location}: {type(e).__name__}: {e}")
            log.error("decision log append failed; %d decisions were not logged and are not "
                      "answered: %s", len(decisions), error)
            self._drop_store()
            return error.diagnostics(), {}
        replays = {str(r.id): [[getattr(d.decision, f, d.seq) for f in REPLAY_FIELDS]
                          for d in logged[r.key]] for r in requests if r.key in logged}
        return None, replays

    def purge_due(self) -> int:
        """Delete a turn's worth of expired feature values if due; how many were deleted."""
        if self.retention_days is None or self._store is None or \
                time.monotonic() - self._purged_at < PURGE_EVERY:
            return 0
        self._purged_at = time.monotonic()
        before = datetime.now(UTC) - timedelta(days=self.retention_days)
        try:
            n = self._store.purge_features(before.isoformat(timespec="microseconds"),
                                           PURGE_CHUNKS)
        except Exception as e:  # retried at the next interval; decisions are not affected
            log.error("deleting expired feature values failed (retried in %.0f s): %s",
                      PURGE_EVERY, e)
            return 0
        if n >= PURGE_CHUNKS * PURGE_CHUNK:  # more may be left: continue next turn
            self._purged_at = float("-inf")
        if n:
            log.info("deleted the feature values of %d decisions older than %g days", n,
                     self.retention_days)
        return n

    def close(self) -> None:
        self._drop_store()

    def _drop_store(self) -> None:
        if self._store is not None:
            try:
                self._store.close()
            except Exception:  # already broken; a fresh connection is opened next time
                log.debug("closing a failed decision store raised", exc_info=True)
            self._store = None


def groups(requests: list[Request], max_batch: int) -> Iterator[list[Request]]:
    """Consecutive runs of requests holding at most `max_batch` decisions (a bigger request
    is a group of its own), never two with one key (the second is a retry of the first)."""
    group: list[Request] = []
    size, keys = 0, set()
    for request in requests:
        n = len(request.decisions)
        if group and (size + n > max_batch or request.key in keys):
            yield group
            group, size, keys = [], 0, set()
        group.append(request)
        size += n
        if request.key is not None:
            keys.add(request.key)
    if group:
        yield group


class FrameReader:
    """Whole frames from a pipe: waits until there is at least one, and each read takes
    everything that has arrived since the last (that is the group commit)."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buffer, self.ended = fd, bytearray(), False

    def frames(self) -> list[bytes]:
        """The frames that have arrived; [] only at the end of input."""
        while True:
            frames = self._split()
            if frames or self.ended:
                return frames
            chunk = os.read(self.fd, 1 << 16)  # blocks only while nothing has arrived
            self.ended = not chunk  # a partial frame left at the end was never answered
            self.buffer += chunk

    def _split(self) -> list[bytes]:
        frames, at = [], 0
        while len(self.buffer) - at >= FRAME.size:
            (size,) = FRAME.unpack_from(self.buffer, at)
            if len(self.buffer) - at - FRAME.size < size:
                break
            frames.append(bytes(self.buffer[at + FRAME.size:at + FRAME.size + size]))
            at += FRAME.size + size
        del self.buffer[:at]
        return frames


def serve(reader: FrameReader, write: Callable[[bytes], None]) -> int:
    """Open the store the first frame names, then commit and acknowledge until input ends."""
    first = reader.frames()
    if not first:
        return 0  # the server went away before configuring us
    config = orjson.loads(first[0])
    try:
        committer = GroupCommitter(lambda: open_resolved_store(config["url"]),
                                   config.get("retention_days"),
                                   standby=config.get("location") if config.get("standby")
                                   else None)
    except LedgerError as e:
        write(frame({"ready": False, "error": e.diagnostics()}))
        return 1
    write(frame({"ready": True, "location": committer.location,
                 "problem": committer.problem}))
    pending = first[1:]
    while pending or not reader.ended:
        requests: list[Request] = []
        for f in pending or reader.frames():
            request = decode(f)
            if isinstance(request, Unreadable):
                write(frame({"ids": request.ids, "decisions": 0, "error": request.error}))
            else:
                requests.append(request)
        for group in groups(requests, config["max_batch"]):
            error, replays = committer.commit(group)
            write(frame({"ids": [r.id for r in group],  # decisions appended (or not, on error)
                         "decisions": sum(len(r.decisions) for r in group
                                          if str(r.id) not in replays),
                         "error": error, "replays": replays}))
        pending = []
        committer.purge_due()  # after this turn's acknowledgements: no request waits for it
    committer.close()
    return 0


class Unreadable(NamedTuple):
    """A request frame that could not be read: its id (if that much was readable) and why."""

    ids: list[int]
    error: str


def decode(data: bytes) -> Request | Unreadable:
    """One request frame as its decisions as rows (and kept values), or why it cannot be
    logged."""
    try:
        rid, models, *rest = orjson.loads(data)
        if type(rid) is not int:
            raise TypeError("the request id is not an integer")
        key = rest[0] if rest else None
        if key is not None and type(key) is not str:
            raise TypeError("the request key is not a string")
    except (orjson.JSONDecodeError, TypeError, ValueError) as e:
        log.error("a request frame could not be read, and no request can be named: %s", e)
        return Unreadable([], f"the decision log could not read a request ({e})")
    try:
        groups = [DecisionColumns(*columns) for columns in models]
        return Request(rid, [d for g in groups for d in g.rows()],
                       [f for g in groups for f in g.feature_texts()], key)
    except (TypeError, ValueError) as e:  # short or extra columns, a column of the wrong type
        log.error("request %d: its decisions could not be read, so it is refused: %s", rid, e)
        return Unreadable([rid], f"the decision log could not read this request's decisions "
                                 f"({e}); nothing of it was logged")


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's: it closes our input
    out = os.dup(1)
    os.dup2(2, 1)  # a stray print from any library must not corrupt the acknowledgements
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[handler])

    def write(data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(out, view):]

    try:
        return serve(FrameReader(0), write)
    except BrokenPipeError:
        return 0  # the server is gone; everything it could still hear about was committed


if __name__ == "__main__":
    sys.exit(main())
