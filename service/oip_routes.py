"""The Open Inference Protocol's routes (see `oip`): health, server and model metadata, model
readiness and inference, on the app's full middleware stack (request ids, authentication: an
`infer` needs `seawall:predict`, metrics, the access log).

Inference serves the champion (the canary's share and the shadow as on `/predict`), under its
model name and version; a request for another model or version is a 404, a bad one a 400 in
the protocol's `{"error": ...}` shape, an unready service a 503. The decisions are logged as
`/predict` decisions, with the same idempotency by `X-Request-ID`. An infer request may also be
an Arrow IPC stream (`application/vnd.apache.arrow.stream`), one column per input tensor,
checked on its columns (`arrow_check`); its answer is the protocol's JSON.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import metadata

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from service import arrow_check, oip
from service.arrow_stream import read_stream
from service.contract_check import ContractViolation
from service.metrics import ServiceMetrics
from service.scoring import Endpoint

MAX_BODY = 64 * 1024 * 1024  # a 1,000-row FP64 request is well under 1 MiB


def oip_routes(state: Callable[[], dict], not_ready: Callable[[], Awaitable[list[str]]],
               answer: Callable, metrics: ServiceMetrics) -> list[Route]:
    def champion(request: Request):
        """The served champion, if the path names it; else the 404 to answer."""
        name, version = request.path_params["name"], request.path_params.get("version")
        model = state()["models"].champion
        if model is None or name != model.name or version not in (None, model.version):
            known = f"{model.name} version {model.version}" if model is not None else "none"
            return None, _error(404, f"no model {name!r}" + (f" version {version!r}"
                                                           if version else "") +
                                f" is served here (serving: {known})")
        return model, None

    async def live(request: Request) -> Response:
        return _json({"live": True}, 200)

    async def ready(request: Request) -> Response:
        reasons = await not_ready()
        return _json({"ready": not reasons, "reasons": reasons}, 503 if reasons else 200)

    async def server(request: Request) -> Response:
        return _json({"name": "seawall", "version": metadata.version("seawall"),
                      "extensions": ["binary_tensor_data"]}, 200)

    async def model_metadata(request: Request) -> Response:
        model, refused = champion(request)
        return refused or _json(oip.model_metadata(model), 200)

    async def model_ready(request: Request) -> Response:
        model, refused = champion(request)
        if refused:
            return refused
        reasons = await not_ready()
        return _json({"name": model.name, "ready": not reasons, "reasons": reasons},
                     503 if reasons else 200)

    async def infer(request: Request) -> Response:
        model, refused = champion(request)
        if refused:
            return refused
        reasons = await not_ready()
        if reasons:
            return _json({"error": "not ready: " + "; ".join(reasons)}, 503)
        serving = state()["serving"]  # one set for the whole request, even mid-swap
        parser = serving.parser
        try:
            body = await _body(request)
            if _media(request) == arrow_check.MEDIA_TYPE:  # one column per input tensor
                doc, binary = {}, False
                table = read_stream(body, parser.contract.version,
                                    serving.columns.max_rows)
                batch = serving.columns.check(table).raise_for_violations()
            else:
                doc, data = oip.split_body(body, request.scope["headers"])
                rows, ids, binary = oip.rows_of(doc, data, parser)
                batch = parser.check(rows, ids)
        except ClientDisconnect:
            return Response(status_code=400)
        except oip.ProtocolError as e:
            return _error(400, str(e))
        except ContractViolation as e:
            metrics.count_violations(e.violations, parser.known_fields)
            return _json(oip.violation_error(e), 400)
        status, answered = await answer(serving, Endpoint.PREDICT, batch, request.scope)
        if status != 200:
            return _error(status, answered.get("detail") or "; ".join(
                answered.get("reasons") or [answered.get("error", "failed")]))
        probabilities = [r["probability_of_default"] for r in answered["results"]]
        request_id = doc.get("id") if isinstance(doc.get("id"), str) else \
            answered["request_id"]
        content, headers = oip.infer_response(model.name, model.version, probabilities,
                                              request_id, binary)
        response = Response(content, 200)
        response.raw_headers = [(b"content-length", str(len(content)).encode()), *headers]
        return response

    paths = [("/v2/health/live", live, "GET"), ("/v2/health/ready", ready, "GET"),
             ("/v2", server, "GET"), ("/v2/models/{name}", model_metadata, "GET"),
             ("/v2/models/{name}/versions/{version}", model_metadata, "GET"),
             ("/v2/models/{name}/ready", model_ready, "GET"),
             ("/v2/models/{name}/versions/{version}/ready", model_ready, "GET"),
             ("/v2/models/{name}/infer", infer, "POST"),
             ("/v2/models/{name}/versions/{version}/infer", infer, "POST")]
    return [Route(path, endpoint, methods=[method], include_in_schema=False)
            for path, endpoint, method in paths]


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise oip.ProtocolError(f"the body may hold at most {MAX_BODY} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise oip.ProtocolError(f"the body may hold at most {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _media(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def _json(doc: dict, status: int) -> Response:
    return Response(orjson.dumps(doc), status_code=status, media_type="application/json")


def _error(status: int, message: str) -> Response:
    return _json({"error": message}, status)
