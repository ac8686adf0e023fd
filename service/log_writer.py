"""Group commit for the decision log, off the event loop.

Requests hand their decisions to `DecisionWriter.record` and await it; one writer thread takes
everything queued since its last commit, appends it in one transaction, and then resolves each
waiting request. So a response leaves only once its decisions are durable, while many
concurrent requests share one fsync. If the store fails, every waiting request gets a
`DecisionLogError` (the service answers 503: a decision that is not logged is not returned),
and the next batch reopens the store.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from service.decision_log import Decision, DecisionStore
from service.errors import DecisionLogError

log = logging.getLogger("seawall.decisions")


@dataclass
class _Pending:
    decisions: list[Decision]
    future: asyncio.Future
    loop: asyncio.AbstractEventLoop


class DecisionWriter:
    def __init__(self, open_store: Callable[[], DecisionStore], *, max_batch: int = 1024,
                 on_commit: Callable[[int], None] | None = None) -> None:
        self._open = open_store
        self._store: DecisionStore | None = open_store()  # fail at start-up, not first request
        self.location = self._store.location
        self.max_batch = max_batch
        self._on_commit = on_commit or (lambda n: None)
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="decision-writer", daemon=True)
        self._thread.start()

    async def record(self, decisions: list[Decision]) -> None:
        """Return once `decisions` are committed; raise `DecisionLogError` if they are not."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put(_Pending(decisions, future, loop))
        await future

    def close(self) -> None:
        """Commit what is queued, then stop the thread and close the store."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch = [self._queue.get()]
            size = len(batch[0].decisions) if batch[0] else 0
            while size < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                batch.append(item)
                size += len(item.decisions) if item else 0
            stopping = None in batch
            pending = [p for p in batch if p is not None]
            if pending:
                self._commit(pending)
        if self._store is not None:
            self._store.close()

    def _commit(self, pending: list[_Pending]) -> None:
        decisions = [d for p in pending for d in p.decisions]
        try:
            if self._store is None:
                self._store = self._open()
            self._store.append(decisions)
        except Exception as e:  # the store's own errors and anything else: never lose silently
            error = e if isinstance(e, DecisionLogError) else DecisionLogError(
                f"{self.location}: {type(e).__name__}: {e}")
            log.error("decision log append failed; %d decisions were not logged and are not "
                      "answered: %s", len(decisions), error)
            self._drop_store()
            _wake(pending, error)
            return
        self._on_commit(len(decisions))
        _wake(pending, None)

    def _drop_store(self) -> None:
        if self._store is not None:
            try:
                self._store.close()
            except Exception:  # already broken; a fresh connection is opened next time
                log.debug("closing a failed decision store raised", exc_info=True)
            self._store = None


def _wake(pending: list[_Pending], error: Exception | None) -> None:
    """Settle every waiting request with one wake-up per event loop, not one per request:
    each `call_soon_threadsafe` writes to the loop's self-pipe, and the loop thread competes
    with this one for the GIL on every wake-up."""
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future]] = {}
    for p in pending:
        by_loop.setdefault(p.loop, []).append(p.future)
    for loop, futures in by_loop.items():
        loop.call_soon_threadsafe(_settle, futures, error)


def _settle(futures: list[asyncio.Future], error: Exception | None) -> None:
    for future in futures:
        if future.done():  # the request was cancelled (client went away) while we committed
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
