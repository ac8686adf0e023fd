"""The drill's client: steady load through the router, every attempt recorded.

Requests are sent open-loop at `rps` (request i is due at i/rps s, whether or not earlier ones
have been answered), each with its own `X-Request-ID`. A request that fails (no connection, a
timeout, a 5xx) is retried with the same id until it is answered or `give_up` seconds have
passed: safe, because the service answers an id it has already logged from the log. A request
counts as acknowledged when a 200 answers it; the drill then looks for every acknowledged id in
the DR region's log.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass

import httpx

from infra.drill.haproxy import SERVED_BY

RETRY_PAUSE = 0.05  # seconds between attempts of one request
ATTEMPT_TIMEOUT = 2.5  # seconds an attempt may take (a frozen region answers never)


@dataclass(frozen=True)
class Attempt:
    request: int  # the request's number (0, 1, ...)
    request_id: str
    started: float  # seconds since the drill's clock started
    ended: float
    status: int  # HTTP status; 0 when no response came (refused, reset, timed out)
    served_by: str | None  # the region that answered (the router's header)
    replayed: bool = False  # answered from the decision log (a retry of a logged request)
    error: str = ""


class Load:
    """`start()` in the background, `stop()` after the drill: sends until stopped, then lets
    every request finish (answered, or given up)."""

    def __init__(self, url: str, rows: list[dict], *, rps: float, clock: float, prefix: str,
                 give_up: float = 20.0) -> None:
        self.url, self.rows, self.rps, self.clock = url, rows, rps, clock
        self.prefix, self.give_up = prefix, give_up
        self.attempts: list[Attempt] = []
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True,
                                        name="drill-load")

    def now(self) -> float:
        return time.monotonic() - self.clock

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    async def _run(self) -> None:
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=64)
        async with httpx.AsyncClient(timeout=ATTEMPT_TIMEOUT, limits=limits) as client:
            tasks = []
            began = time.monotonic()
            while not self._stop.is_set():
                due = began + self.sent / self.rps
                pause = due - time.monotonic()
                if pause > 0:
                    await asyncio.sleep(pause)
                    continue
                tasks.append(asyncio.create_task(self._request(client, self.sent)))
                self.sent += 1
            await asyncio.gather(*tasks)

    async def _request(self, client: httpx.AsyncClient, n: int) -> None:
        rid = f"{self.prefix}-{n:06d}"
        row = self.rows[n % len(self.rows)]
        body = {"rows": [row], "application_ids": [f"{self.prefix}-app-{n:06d}"]}
        deadline = self.now() + self.give_up
        while True:
            started = self.now()
            status, served_by, replayed, error = 0, None, False, ""
            try:
                response = await client.post(f"{self.url}/score", json=body,
                                             headers={"x-request-id": rid})
                status, served_by = response.status_code, response.headers.get(SERVED_BY)
                if status == 200:
                    replayed = bool(response.json().get("replayed"))
                else:
                    error = response.text[:200]
            except httpx.HTTPError as e:
                error = f"{type(e).__name__}: {e}"[:200]
            self.attempts.append(Attempt(n, rid, started, self.now(), status, served_by,
                                         replayed, error))
            if status == 200 or (400 <= status < 500) or self.now() > deadline:
                return
            await asyncio.sleep(RETRY_PAUSE)
