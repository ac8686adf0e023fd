"""The scoring routes as pure ASGI endpoints: the hot path skips FastAPI's request machinery.

`/predict`, `/score` and `/explain` take a raw JSON body that `contract_check` validates
vectorised, so FastAPI's per-request work (a `Request`, dependency solving, exception
wrapping) adds only cost: without it the service answered about a third more single-row
requests per second (`bench/serve_peers.py`).

`ScoringLane` is the outermost layer of the app's middleware stack: a POST to a scoring path
goes to its endpoint behind the request context (request ids, metrics, access log) and an
error guard, and skips the eight layers of FastAPI's stack in between. Everything else,
including any other method on a scoring path (405), takes the whole stack, where the same
endpoints are Starlette routes. `openapi.documented_scoring_routes` describes them in the
OpenAPI document.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

import orjson
from starlette.requests import ClientDisconnect
from starlette.routing import Route

from service.arrow_check import MEDIA_TYPE
from service.contract_check import ContractViolation, FieldViolation
from service.scoring import Endpoint

MAX_TOP_N = 100
JSON, ARROW = "application/json", MEDIA_TYPE
Decide = Callable[[Endpoint, dict, Callable], Awaitable[tuple[int, dict]]]
log = logging.getLogger("seawall.service")


class ScoringEndpoint:
    """One scoring route: `decide(endpoint, scope, receive)` gives the status and the body."""

    def __init__(self, endpoint: Endpoint, decide: Decide) -> None:
        self.endpoint, self.decide = endpoint, decide

    async def __call__(self, scope, receive, send) -> None:
        status, doc = await self.decide(self.endpoint, scope, receive)
        await send_json(send, status, doc)


def scoring_routes(decide: Decide) -> list[Route]:
    return [Route(f"/{e.value}", ScoringEndpoint(e, decide), methods=["POST"])
            for e in Endpoint]


class ScoringLane:
    """`POST /predict|/score|/explain` straight to `endpoint` (wrapped in the request context by
    the caller); any other request to `rest`, the app's full middleware stack."""

    def __init__(self, endpoints: dict[str, Callable], rest: Callable) -> None:
        self.endpoints, self.rest = endpoints, rest

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            endpoint = self.endpoints.get(scope["path"])
            if endpoint is not None:
                await endpoint(scope, receive, send)
                return
        await self.rest(scope, receive, send)


def guarded(endpoint: Callable) -> Callable:
    """What `ServerErrorMiddleware` does on the full stack: a failure the endpoint did not
    expect is logged with its traceback and answered 500 (if nothing was sent yet)."""

    async def guard(scope, receive, send) -> None:
        started = False

        async def watch(message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await endpoint(scope, receive, watch)
        except Exception:
            log.exception("%s %s failed", scope["method"], scope["path"])
            if not started:
                await send_json(send, 500, {"error": "internal_error",
                                            "detail": "the service failed; see its log"})

    return guard


async def send_json(send, status: int, doc: dict) -> None:
    body = orjson.dumps(doc)
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


async def read_body(scope: dict, receive: Callable, limit: int, contract_version: str) -> bytes:
    """The whole request body; a `ContractViolation` (rule `max_body_bytes`) past `limit` bytes,
    declared or sent; `ClientDisconnect` if the client went away."""
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit() and (len(value) > 15
                                                              or int(value) > limit):
            raise _too_big(limit, contract_version)
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_big(limit, contract_version)
        chunks.append(chunk)
        more = message.get("more_body", False)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _too_big(limit: int, contract_version: str) -> ContractViolation:
    return ContractViolation([FieldViolation(None, "(body)", "max_body_bytes", None,
                                             f"the body may hold at most {limit} bytes")],
                             contract_version)


def content_type(scope: dict) -> tuple[str, FieldViolation | None]:
    """The body's media type: `application/json` when it is declared JSON (`application/json`
    or `application/*+json`, in UTF-8) or not declared at all, or an Arrow IPC stream
    (`ARROW`); else the violation (answered 415)."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            media, _, params = value.decode("latin-1").partition(";")
            media = media.strip().lower()
            if media == ARROW:
                return ARROW, None
            charset = params.strip().lower().removeprefix("charset=").strip('"')
            if ((media == "application/json" or (media.startswith("application/")
                                                 and media.endswith("+json")))
                    and (not params.strip() or charset in ("utf-8", "utf8"))):
                return JSON, None
            return JSON, FieldViolation(None, "(content-type)", "content_type",
                                        value.decode("latin-1"), "the body must be JSON "
                                        f"(Content-Type application/json, UTF-8) or {ARROW}")
    return JSON, None


def top_n(scope: dict) -> tuple[int | None, FieldViolation | None]:
    """`?top_n=N` (1 to `MAX_TOP_N`), or None for the bundle's default; or the violation."""
    query = scope.get("query_string", b"")
    values = parse_qs(query.decode("latin-1")).get("top_n") if query else None
    if not values:
        return None, None
    raw = values[-1]
    if raw.isascii() and raw.isdigit() and len(raw) <= 3 and 1 <= int(raw) <= MAX_TOP_N:
        return int(raw), None
    return None, FieldViolation(None, "top_n", "query", raw,
                                f"top_n must be a whole number from 1 to {MAX_TOP_N}")
