"""The FastAPI app: thin routes over the verified models, the contract check, the scorer and the
decision log.

`create_app(settings)` builds an app whose start-up (lifespan) verifies and loads the bundles,
opens the decision log and builds the scorer; tests call it directly, `seawall serve` runs it
under uvicorn (`app_from_env` is the worker factory). If anything fails at start-up the app
still starts, but `/ready` says why and every scoring route answers 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from importlib import metadata
from typing import NamedTuple

import orjson
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from starlette.requests import ClientDisconnect

from regions import SeawallError, load_catalogue
from service import arrow_check, replay, scoring_routes
from service.arrow_check import ArrowChecker
from service.arrow_stream import read_stream
from service.auth import Authenticated, AuthPolicy, TokenValidator
from service.canary_gate import CanaryWatch, Limits
from service.checkpointer import Checkpointer
from service.contract_check import ContractViolation, RequestParser
from service.errors import DecisionLogError, ServiceError
from service.follower import Follower, Source
from service.log_writer import DecisionWriter
from service.metrics import ServiceMetrics
from service.middleware import RequestContext
from service.oip_routes import oip_routes
from service.openapi import (
    Ready,
    Unavailable,
    Version,
    add_security,
    documented_scoring_routes,
    request_body,
)
from service.scoring import Endpoint, Scorecard, Scorer
from service.served_models import ModelSet, load_models
from service.settings import ServiceSettings, get_settings

log = logging.getLogger("seawall.service")


class Serving(NamedTuple):
    """What one request is served with: swapped as a whole when the served set changes."""

    models: ModelSet
    parser: RequestParser  # JSON bodies
    columns: ArrowChecker  # Arrow IPC bodies
    scorer: Scorer


def auth_policy(settings: ServiceSettings) -> AuthPolicy | None:
    """The client authentication `settings` configure; None with `insecure_no_auth`.
    `ServiceError` for an unusable JWKS file."""
    if settings.insecure_no_auth:
        return None
    tokens = None
    if settings.jwt_issuer is not None:
        tokens = TokenValidator(settings.jwt_issuer, settings.jwt_audience, settings.jwt_jwks)
    return AuthPolicy(tokens=tokens, mtls=settings.tls_client_ca is not None,
                      mtls_scopes=frozenset(settings.mtls_scopes.split()),
                      metrics_open=not settings.metrics_auth)


def create_app(settings: ServiceSettings, source: Source | None = None) -> FastAPI:
    """The app; with `source` (a registry to follow, `seawall serve --alias`) the served set
    follows its promotions and rollbacks, and the canary's steps are judged here."""
    metrics = ServiceMetrics()
    policy = auth_policy(settings)
    auth_mode = policy.mode if policy is not None else "off (--insecure-no-auth)"
    state: dict = {"models": ModelSet(failures=["starting: the bundles are not verified yet"])}
    scorecard = Scorecard(settings.base_score, settings.base_odds, settings.points_to_double_odds)

    def install(models: ModelSet, fraction: float, watch: CanaryWatch | None) -> None:
        """Serve `models` from the next request on: one assignment, so a request sees the old
        set or the new one, never a mix."""
        if models.ready:
            contract, rows = models.champion.contract, settings.max_batch_rows
            scorer = Scorer(models, scorecard, fraction,
                            keep_features=settings.feature_retention_days > 0, watch=watch)
            state["serving"] = Serving(models, RequestParser(contract, max_rows=rows),
                                       ArrowChecker(contract, max_rows=rows), scorer)
            for m in models.served():
                metrics.bundle_verified.labels(m.role.value).set(1)
        state["models"] = models

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        catalogue = load_catalogue(settings.catalogue)
        follower = None
        if source is None:
            models = load_models(catalogue=catalogue, region=settings.region,
                                 champion=settings.bundle, canary=settings.canary,
                                 shadow=settings.shadow)
        else:
            follower = Follower(source, catalogue=catalogue, region=settings.region,
                                interval=settings.follow_interval, limits=canary_limits(settings),
                                install=install, current=lambda: state["models"])
            try:
                models = await asyncio.to_thread(follower.first)
            except SeawallError as e:
                models = ModelSet(failures=[f"registry ({settings.follow_alias}): "
                                            f"{e.diagnostics()}"])
        state["follower"] = follower
        writer = DecisionWriter(settings.decision_log, max_batch=settings.decision_batch_max,
                                timeout=settings.decision_timeout,
                                retention_days=settings.feature_retention_days,
                                on_commit=metrics.decisions.inc,
                                standby=settings.decision_log_standby)
        try:
            await writer.start()
        except ServiceError as e:
            writer = None
            models.failures.append(f"decision log: {e.diagnostics()}")
            log.error("not ready: decision log: %s", e.diagnostics())
        for role in ("champion", "canary", "shadow"):
            configured = getattr(settings, "bundle" if role == "champion" else role) is not None
            if configured:
                metrics.bundle_verified.labels(role).set(
                    int(getattr(models, role) is not None and models.ready))
        checkpointer, signing = None, None
        if settings.checkpoint_key is not None and writer is not None:
            try:
                checkpointer = Checkpointer(
                    decision_log=settings.decision_log, region=settings.region,
                    key=settings.checkpoint_key, directory=settings.checkpoint_dir,
                    interval=settings.checkpoint_interval, on_signed=metrics.checkpoint_signed_at)
            except (SeawallError, OSError) as e:
                why = e.diagnostics() if isinstance(e, SeawallError) else str(e)
                models.failures.append(f"checkpoints: {why}")
                log.error("not ready: checkpoints: %s", why)
            else:  # the first note covers the log as found, before any request is answered
                try:
                    await asyncio.to_thread(checkpointer.sign_now)
                except (SeawallError, OSError) as e:
                    log.error("no checkpoint signed at start-up: %s", e)
                signing = asyncio.create_task(checkpointer.run())
        state.update(writer=writer, checkpointer=checkpointer)
        app.state.decision_writer = writer  # for operators' tools and tests: its pid, problem
        if follower is None:
            install(models, settings.canary_fraction, None)
        following = None
        if models.ready:
            champion = models.champion
            log.info("ready: region %s, champion %s v%s, client authentication %s",
                     settings.region, champion.name, champion.version, auth_mode)
            if follower is not None:
                following = asyncio.create_task(follower.run())
        if policy is None:
            log.warning("client authentication is OFF (--insecure-no-auth): anyone who reaches "
                        "this port can score; never in production")
        app.openapi_schema = None  # rebuilt with the champion's contract
        yield
        if following is not None:
            following.cancel()
        if writer is not None:
            await writer.close()
        if signing is not None:  # a last checkpoint covers every decision answered
            signing.cancel()
            try:
                await asyncio.to_thread(checkpointer.sign_now)
            except (SeawallError, OSError) as e:
                log.error("no checkpoint signed at shutdown: %s", e)

    telemetry = {"tracing": settings.opentelemetry, "metrics": settings.opentelemetry,
                 "logs": settings.opentelemetry}
    app = _ScoringApp(title="Seawall scoring service", version=metadata.version("seawall"),
                      lifespan=lifespan, telemetry=telemetry,
                      description="Onshore credit scoring from a verified, signed bundle. "
                      "Every scored row is in a hash-chained decision log before its answer is "
                      "sent.")
    context = {"metrics": metrics, "access_log": settings.access_log,
               "model_version": lambda: _champion_version(state["models"])}
    app.add_middleware(Authenticated, policy=policy)
    app.add_middleware(RequestContext, **context)  # outermost: refusals are logged and counted

    async def decide(endpoint: Endpoint, scope: dict, receive) -> tuple[int, dict]:
        """Status and body for one scoring request (see `scoring_routes`)."""
        models: ModelSet = state["models"]
        if not models.ready:
            return 503, {"error": "not_ready", "reasons": models.failures}
        serving: Serving = state["serving"]  # one set for the whole request, even mid-swap
        parser = serving.parser
        media, wrong_type = scoring_routes.content_type(scope)
        if wrong_type is not None:
            metrics.count_violations([wrong_type], parser.known_fields)
            return 415, ContractViolation([wrong_type], parser.contract.version).to_dict()
        try:
            top_n, bad_query = scoring_routes.top_n(scope)
            if bad_query is not None:
                raise ContractViolation([bad_query], parser.contract.version)
            body = await scoring_routes.read_body(scope, receive, settings.max_body_bytes,
                                                  parser.contract.version)
            if media == arrow_check.MEDIA_TYPE:
                table = read_stream(body, parser.contract.version,
                                    serving.columns.max_rows)
                batch = serving.columns.check(table).raise_for_violations()
            else:
                batch = parser.parse(body)
        except ClientDisconnect:
            return 400, {}  # nobody is listening; nothing was scored
        except ContractViolation as e:
            metrics.count_violations(e.violations, parser.known_fields)
            return 422, e.to_dict()
        return await answer(serving, endpoint, batch, scope, top_n)

    async def answer(serving: Serving, endpoint: Endpoint, batch, scope: dict,
                     top_n: int | None = None) -> tuple[int, dict]:
        """Score a checked batch with `serving` (one set for the whole request), log its
        decisions and give the answer; a retry of a logged request id gets the logged one."""
        models, scorer = serving.models, serving.scorer
        rid = scope["state"]["request_id"]
        scored = scorer.decide(endpoint, batch, rid, top_n, scope["state"].get("caller"))
        key = rid if scope["state"].get("request_id_given") else None  # a retry is idempotent
        try:
            logged = await state["writer"].record(scored.decisions, key)
        except DecisionLogError as e:
            return 503, {"error": "decision_log_unavailable", "reasons": [e.diagnostics()]}
        if logged is not None:  # a retry of a request already decided: the logged answer
            metrics.replayed.inc()
            return replay.answer(endpoint, batch, logged, models, rid)
        for model, p in scored.by_model:
            metrics.observe_scores(model.version, model.role.value, p)
        return 200, {"request_id": rid, "results": scored.results}

    # Scoring routes first: the router tries routes in order, and these carry the load. A POST
    # to one takes the scoring lane, past the rest of the middleware stack.
    routes = scoring_routes.scoring_routes(decide)
    app.router.routes[:0] = routes
    app.scoring_lane = {r.path: RequestContext(Authenticated(
        scoring_routes.guarded(r.endpoint), policy=policy), **context) for r in routes}

    @app.get("/health", summary="Liveness: the process answers",
             responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}})
    async def health() -> Response:
        return _json({"status": "ok"}, 200)

    @app.get("/ready", summary="Readiness: every bundle verified and loaded, decision log "
             "committing", response_model=Ready, responses={503: {"model": Ready}})
    async def ready() -> Response:
        models: ModelSet = state["models"]
        reasons = await not_ready()
        body = {"ready": not reasons, "region": settings.region, "reasons": reasons,
                "auth": auth_mode, "models": [m.identity() for m in models.served()]}
        if models.served() and not models.served()[0].approved:
            body["warning"] = ("serving a version not approved for serving "
                               "(--allow-unapproved): development only")
        follower: Follower | None = state.get("follower")
        if follower is not None:
            body["following"] = {"alias": settings.follow_alias, "ledger_head": follower.head,
                                 "swaps": follower.swaps, "problem": follower.problem}
        return _json(body, 503 if reasons else 200)

    async def not_ready() -> list[str]:
        """Why the service may not score now ([] when it may)."""
        models: ModelSet = state["models"]
        reasons = list(models.failures)
        writer: DecisionWriter | None = state.get("writer")
        problem = await writer.probe() if writer is not None and models.ready else None
        if problem is not None:
            reasons.append(f"decision log: {problem}")
        return reasons

    app.router.routes.extend(oip_routes(lambda: state, not_ready, answer, metrics))

    @app.get("/version", summary="Model id, version, bundle digest and signer identity",
             response_model=Version, responses={503: {"model": Unavailable}})
    async def version() -> Response:
        models: ModelSet = state["models"]
        if models.champion is None:
            return _json({"error": "not_ready", "reasons": models.failures}, 503)
        return _json({"service": app.version, "region": settings.region,
                      "models": [m.identity() for m in models.served()]}, 200)

    @app.get("/checkpoint", summary="The latest signed checkpoint of the decision log (a C2SP "
             "signed note: origin, tree size, RFC 6962 root)", response_class=Response,
             responses={200: {"content": {"text/plain": {}}}, 404: {"model": Unavailable},
                        503: {"model": Unavailable}})
    async def checkpoint() -> Response:
        checkpointer: Checkpointer | None = state.get("checkpointer")
        if checkpointer is None:
            return _json({"error": "no_checkpoints", "reasons": [
                "this service signs no checkpoints (serve with --checkpoint-key)"]}, 404)
        note = checkpointer.latest()
        if note is None:
            return _json({"error": "no_checkpoint_yet", "reasons": [
                checkpointer.problem or "nothing has been logged yet"]}, 503)
        return Response(note, media_type="text/plain; charset=utf-8")

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def prometheus() -> Response:
        return Response(metrics.exposition(), media_type=metrics.content_type)

    app.openapi = lambda: _openapi(app, state["models"], settings, policy)
    return app


class _ScoringApp(FastAPI):
    """FastAPI, with `scoring_routes.ScoringLane` as the outermost layer of its stack."""

    scoring_lane: dict = {}

    def build_middleware_stack(self):
        return scoring_routes.ScoringLane(self.scoring_lane, super().build_middleware_stack())


def canary_limits(settings: ServiceSettings) -> Limits:
    return Limits(min_rows=settings.canary_min_rows,
                  max_error_rate=settings.canary_max_error_rate,
                  max_latency_ratio=settings.canary_max_latency_ratio,
                  max_psi=settings.canary_max_psi)


def app_from_env() -> FastAPI:
    """The uvicorn worker factory (`service.app:app_from_env`, `factory=True`)."""
    return create_app(get_settings())


def _json(doc: dict, status: int) -> Response:
    return Response(orjson.dumps(doc), status_code=status, media_type="application/json")


def _champion_version(models: ModelSet) -> str:
    return models.champion.version if models.champion is not None else "none"


def _openapi(app: FastAPI, models: ModelSet, settings: ServiceSettings,
             policy: AuthPolicy | None) -> dict:
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=[*documented_scoring_routes(), *app.routes])
        champion = models.champion
        example = None
        if champion is not None:
            golden = orjson.loads((champion.bundle / "golden_set.json").read_bytes())
            example = dict(zip(golden["columns"], golden["rows"][0]))
        body = request_body(champion.contract if champion else None, settings.max_batch_rows,
                            example)
        for path in ("/predict", "/score", "/explain"):
            schema["paths"][path]["post"]["requestBody"] = body
        add_security(schema, policy)
        app.openapi_schema = schema
    return app.openapi_schema
