"""Request context as pure ASGI middleware (no `BaseHTTPMiddleware`: no extra task per request).

For every HTTP request: take `x-request-id` from the client when it is a sane token (marked
`request_id_given`: the scoring routes then treat a retry of it as idempotent), else make one;
set it for the logs; return it on the response; count the request by endpoint, status and
model version; time it; track requests in flight; and write one JSON access-log line (with
the authenticated caller, which `auth.Authenticated` puts in the scope's state).
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
from collections.abc import Callable

from service.logs import request_id
from service.metrics import ServiceMetrics

HEADER = b"x-request-id"
_VALID_ID = re.compile(rb"[A-Za-z0-9._:@/+=-]{1,128}")
access = logging.getLogger("seawall.access")


class RequestContext:
    def __init__(self, app, *, metrics: ServiceMetrics, model_version: Callable[[], str],
                 access_log: bool = True) -> None:
        self.app, self.metrics, self.model_version = app, metrics, model_version
        self.access_log = access_log

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid, given = _request_id(scope["headers"])
        token = request_id.set(rid)
        state = scope.setdefault("state", {})
        state["request_id"], state["request_id_given"] = rid, given
        status = 500  # what the client gets if the app fails before it answers
        raw_id = rid.encode()

        async def send_with_id(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), (HEADER, raw_id)]}
            await send(message)

        metrics = self.metrics
        endpoint = metrics.endpoint(scope["path"])
        metrics.in_flight.inc()
        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            metrics.in_flight.dec()
            metrics.observe_request(endpoint, status, self.model_version(), elapsed)
            if self.access_log:
                access.info("%s %s %d", scope["method"], scope["path"], status,
                            extra={"status": status, "duration_ms": round(elapsed * 1000, 3),
                                   "client": (scope.get("client") or ("", 0))[0],
                                   "caller": scope["state"].get("caller")})
            request_id.reset(token)


def _request_id(headers) -> tuple[str, bool]:
    """(the request id, whether the client chose it)."""
    for name, value in headers:
        if name == HEADER and _VALID_ID.fullmatch(value):
            return value.decode(), True
    return f"{_ids.getrandbits(128):032x}", False


# Request ids must be unique, not secret: a generator seeded from the OS once per process (and
# again in a forked child) costs no system call per request, where os.urandom costs one.
_ids = random.Random(os.urandom(32))
os.register_at_fork(after_in_child=lambda: _ids.seed(os.urandom(32)))
