"""The FastAPI app: thin routes over the verified models, the contract check, the scorer and the
decision log.

`create_app(settings)` builds an app whose start-up (lifespan) verifies and loads the bundles,
opens the decision log and builds the scorer; tests call it directly, `seawall serve` runs it
under uvicorn (`app_from_env` is the worker factory). If anything fails at start-up the app
still starts, but `/ready` says why and every scoring route answers 503.
"""

from __future__ import annotations

import contextlib
import logging
from importlib import metadata
from typing import Annotated

import orjson
from fastapi import FastAPI, Query, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from starlette.requests import ClientDisconnect

from regions import load_catalogue
from service.contract_check import ContractViolation, RequestParser, Violation
from service.decision_log import open_store
from service.errors import DecisionLogError, ServiceError
from service.log_writer import DecisionWriter
from service.metrics import ServiceMetrics
from service.middleware import RequestContext
from service.models import ModelSet, load_models
from service.openapi import SCORING_RESPONSES, Ready, Unavailable, Version, request_body
from service.scoring import Endpoint, Scorecard, Scorer
from service.settings import ServiceSettings, get_settings

log = logging.getLogger("seawall.service")


def create_app(settings: ServiceSettings) -> FastAPI:
    metrics = ServiceMetrics()
    state: dict = {"models": ModelSet(failures=["starting: the bundles are not verified yet"])}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        models = load_models(catalogue=load_catalogue(settings.catalogue), region=settings.region,
                             champion=settings.bundle, canary=settings.canary,
                             shadow=settings.shadow)
        writer = None
        try:
            writer = DecisionWriter(lambda: open_store(settings.decision_log),
                                    max_batch=settings.decision_batch_max,
                                    on_commit=metrics.decisions.inc)
        except ServiceError as e:
            models.failures.append(f"decision log: {e.diagnostics()}")
            log.error("not ready: decision log: %s", e.diagnostics())
        for role in ("champion", "canary", "shadow"):
            configured = getattr(settings, "bundle" if role == "champion" else role) is not None
            if configured:
                metrics.bundle_verified.labels(role).set(
                    int(getattr(models, role) is not None and models.ready))
        state.update(models=models, writer=writer)
        if models.ready:
            champion = models.champion
            state["parser"] = RequestParser(champion.contract, max_rows=settings.max_batch_rows)
            state["scorer"] = Scorer(models, Scorecard(settings.base_score, settings.base_odds,
                                                       settings.points_to_double_odds),
                                     settings.canary_fraction)
            log.info("ready: region %s, champion %s v%s", settings.region, champion.name,
                     champion.version)
        app.openapi_schema = None  # rebuilt with the champion's contract
        yield
        if writer is not None:
            writer.close()

    telemetry = {"tracing": settings.opentelemetry, "metrics": settings.opentelemetry,
                 "logs": settings.opentelemetry}
    app = FastAPI(title="Seawall scoring service", version=metadata.version("seawall"),
                  lifespan=lifespan, telemetry=telemetry, description="Onshore credit scoring from a verified, signed "
                  "bundle. Every scored row is in a hash-chained decision log before its answer "
                  "is sent.")
    app.add_middleware(RequestContext, metrics=metrics, access_log=settings.access_log,
                       model_version=lambda: _champion_version(state["models"]))

    def unavailable(error: str, reasons: list[str]) -> Response:
        return _json({"error": error, "reasons": reasons}, 503)

    async def decide(request: Request, endpoint: Endpoint, top_n: int | None = None) -> Response:
        models: ModelSet = state["models"]
        if not models.ready:
            return unavailable("not_ready", models.failures)
        parser: RequestParser = state["parser"]
        rid = request.scope["state"]["request_id"]
        try:
            batch = parser.parse(await _body(request, settings.max_body_bytes, parser))
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is listening; nothing was scored
        except ContractViolation as e:
            metrics.count_violations(e.violations, parser.known_fields)
            return _json(e.to_dict(), 422)
        scored = state["scorer"].decide(endpoint, batch, rid, top_n)
        try:
            await state["writer"].record(scored.decisions)
        except DecisionLogError as e:
            return unavailable("decision_log_unavailable", [e.diagnostics()])
        for model, p in scored.by_model:
            metrics.observe_scores(model.version, model.role.value, p)
        return _json({"request_id": rid, "results": scored.results}, 200)

    # Scoring routes first: the router tries routes in order, and these carry the load.
    scoring = {"responses": SCORING_RESPONSES, "response_model": None}

    @app.post("/predict", summary="Probability of default per row", **scoring)
    async def predict(request: Request) -> Response:
        return await decide(request, Endpoint.PREDICT)

    @app.post("/score", summary="Scorecard points per row (with the reasons behind them)",
              **scoring)
    async def score(request: Request) -> Response:
        return await decide(request, Endpoint.SCORE)

    @app.post("/explain", summary="Top reason codes per row, in English and Vietnamese",
              **scoring)
    async def explain(request: Request, top_n: Annotated[int | None, Query(
            ge=1, le=100, description="How many reasons per row (default: the bundle's)")] = None
                      ) -> Response:
        return await decide(request, Endpoint.EXPLAIN, top_n)

    @app.get("/health", summary="Liveness: the process answers",
             responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}})
    async def health() -> Response:
        return _json({"status": "ok"}, 200)

    @app.get("/ready", summary="Readiness: every bundle verified and loaded, decision log open",
             response_model=Ready, responses={503: {"model": Ready}})
    async def ready() -> Response:
        models: ModelSet = state["models"]
        body = {"ready": models.ready, "region": settings.region, "reasons": models.failures,
                "models": [m.identity() for m in models.served()]}
        return _json(body, 200 if models.ready else 503)

    @app.get("/version", summary="Model id, version, bundle digest and signer identity",
             response_model=Version, responses={503: {"model": Unavailable}})
    async def version() -> Response:
        models: ModelSet = state["models"]
        if models.champion is None:
            return unavailable("not_ready", models.failures)
        return _json({"service": app.version, "region": settings.region,
                      "models": [m.identity() for m in models.served()]}, 200)

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def prometheus() -> Response:
        return Response(metrics.exposition(), media_type=metrics.content_type)

    app.openapi = lambda: _openapi(app, state["models"], settings)
    return app


def app_from_env() -> FastAPI:
    """The uvicorn worker factory (`service.app:app_from_env`, `factory=True`)."""
    return create_app(get_settings())


async def _body(request: Request, limit: int, parser: RequestParser) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit():
        if int(declared) > limit:
            raise _too_big(limit, parser)
        return await request.body()  # uvicorn never delivers more than the declared length
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_big(limit, parser)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_big(limit: int, parser: RequestParser) -> ContractViolation:
    return ContractViolation([Violation(None, "(body)", "max_body_bytes", None,
                                        f"the body may hold at most {limit} bytes")],
                             parser.contract.version)


def _json(doc: dict, status: int) -> Response:
    return Response(orjson.dumps(doc), status_code=status, media_type="application/json")


def _champion_version(models: ModelSet) -> str:
    return models.champion.version if models.champion is not None else "none"


def _openapi(app: FastAPI, models: ModelSet, settings: ServiceSettings) -> dict:
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)
        champion = models.champion
        example = None
        if champion is not None:
            golden = orjson.loads((champion.bundle / "golden_set.json").read_bytes())
            example = dict(zip(golden["columns"], golden["rows"][0]))
        body = request_body(champion.contract if champion else None, settings.max_batch_rows,
                            example)
        for path in ("/predict", "/score", "/explain"):
            schema["paths"][path]["post"]["requestBody"] = body
        app.openapi_schema = schema
    return app.openapi_schema
