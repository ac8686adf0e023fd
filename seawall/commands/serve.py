"""`seawall serve` and `seawall decisions verify`: the onshore scoring service and its ledger."""

from __future__ import annotations

import os
import ssl
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from regions import Tier, load_catalogue, region_home, require_tier
from seawall._console import DEFAULT_HOME, CatalogueOption, HomeOption, LogOption, console

RegionOption = Annotated[str, typer.Option("--region", "-r", help="Onshore serving region "
                                           "(e.g. onshore-hn).")]


def serve(
    region: RegionOption,
    bundle: Annotated[Path | None, typer.Option(help="Champion bundle directory.")] = None,
    alias: Annotated[str | None, typer.Option(help="Serve and follow the version this "
                                              "registry alias points at (e.g. production): "
                                              "promotions, canary steps and rollbacks are "
                                              "served without a restart.")]
        = None,
    model: Annotated[str | None, typer.Option(help="Registered model name for --alias (needed "
                                              "when the region holds several).")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8080,
    workers: Annotated[int, typer.Option(min=1, max=64, help="uvicorn worker processes; each "
                                         "verifies and loads the bundle itself.")] = 1,
    canary: Annotated[Path | None, typer.Option(help="Canary bundle (also verified).")] = None,
    canary_fraction: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of "
                                                   "application ids sent to the canary.")] = 0.0,
    shadow: Annotated[Path | None, typer.Option(help="Challenger bundle scored in shadow: "
                                                "logged, never returned.")] = None,
    max_batch_rows: Annotated[int, typer.Option(min=1, help="Most rows per request.")] = 1000,
    base_score: Annotated[float, typer.Option(help="Scorecard points at --base-odds.")] = 600.0,
    base_odds: Annotated[float, typer.Option(help="Good:bad odds scoring --base-score.")] = 50.0,
    pdo: Annotated[float, typer.Option("--points-to-double-odds", help="Points that double the "
                                       "odds.")] = 20.0,
    access_log: Annotated[bool, typer.Option(help="One JSON access-log line per request.")]
        = True,
    jwt_issuer: Annotated[str | None, typer.Option(help="Bearer tokens: the issuer (iss) to "
                                                   "accept.", rich_help_panel="Authentication")]
        = None,
    jwt_audience: Annotated[str | None, typer.Option(help="Bearer tokens: the audience (aud) "
                                                     "they must name.",
                                                     rich_help_panel="Authentication")] = None,
    jwt_jwks: Annotated[Path | None, typer.Option(help="Bearer tokens: the issuer's JWKS file.",
                                                  rich_help_panel="Authentication")] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="Serve HTTPS with this certificate "
                                                  "(PEM).", rich_help_panel="Authentication")]
        = None,
    tls_key: Annotated[Path | None, typer.Option(help="The certificate's private key (PEM).",
                                                 rich_help_panel="Authentication")] = None,
    tls_client_ca: Annotated[Path | None, typer.Option(help="Mutual TLS: require client "
                                                       "certificates from this CA bundle.",
                                                       rich_help_panel="Authentication")]
        = None,
    mtls_scopes: Annotated[str | None, typer.Option(
        help="Scopes a verified client certificate carries, space-separated (default: all; "
             "without bearer tokens).", rich_help_panel="Authentication")] = None,
    metrics_auth: Annotated[bool, typer.Option(help="Require the seawall:metrics scope on "
                                               "/metrics.", rich_help_panel="Authentication")]
        = False,
    checkpoint_key: Annotated[str | None, typer.Option(
        help="Sign the decision log's checkpoints with this key: a PEM file or an HSM key's "
             "pkcs11: URI (default: the region's local checkpoint key, created 0600).",
        rich_help_panel="Decision log")] = None,
    checkpoint_interval: Annotated[float, typer.Option(
        min=0.1, help="Seconds between signed checkpoints (published under <home>/regions/"
                      "<region>/checkpoints and at /checkpoint).",
        rich_help_panel="Decision log")] = 30.0,
    insecure_no_auth: Annotated[bool, typer.Option(help="Serve without client authentication "
                                                   "(local trials only; /ready and the logs "
                                                   "say so).", rich_help_panel="Authentication")]
        = False,
    feature_retention_days: Annotated[float, typer.Option(
        min=0.0, max=3650.0, help="Keep each decision's feature values onshore, beside the "
                                  "log, for the monitor's CSI and PCA-CSI this many days, then "
                                  "delete them; 0 keeps none.",
        rich_help_panel="Decision log")] = 90.0,
    allow_unapproved: Annotated[bool, typer.Option(
        help="With --alias: serve a version the promotion ledger has not approved for serving "
             "(development only; /ready, /version and every decision say so).",
        rich_help_panel="Promotion")] = False,
    canary_min_rows: Annotated[int, typer.Option(
        min=1, help="Canary rows scored before its step is judged.",
        rich_help_panel="Promotion")] = 200,
    canary_max_error_rate: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="A canary step fails above this share of rows it could not "
                               "score.", rich_help_panel="Promotion")] = 0.01,
    canary_max_latency_ratio: Annotated[float, typer.Option(
        min=0.01, help="... or above this multiple of the champion's scoring time.",
        rich_help_panel="Promotion")] = 3.0,
    canary_max_psi: Annotated[float, typer.Option(
        min=0.0001, help="... or above this score PSI against the champion's cohort.",
        rich_help_panel="Promotion")] = 0.25,
    standby: Annotated[bool, typer.Option(
        help="The decision log is a read-only standby (this is a DR region before failover): "
             "start anyway, stay not ready, and turn ready once the database is promoted.",
        rich_help_panel="Decision log")] = False,
    decision_log: LogOption = None,
    catalogue: CatalogueOption = None,
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """Serve credit decisions from a verified bundle (fail closed) under uvicorn."""
    import uvicorn
    from pydantic import ValidationError

    from service import ServiceSettings
    from service.app import auth_policy
    from service.tls_protocol import TlsHttpToolsProtocol

    cat = load_catalogue(catalogue)
    require_tier(cat.get(region), Tier.SERVING)  # refuses offshore regions before anything runs
    if (bundle is None) == (alias is None):
        raise typer.BadParameter("give exactly one of --bundle and --alias")
    if alias is not None:  # refused now, not in a worker, if the ledger does not approve it
        from artifacts.registry.following import RegistrySource

        wanted = RegistrySource(home=home, region=region, alias=alias, model=model,
                                catalogue=cat.directory,
                                allow_unapproved=allow_unapproved).wanted()
        bundle, model = wanted.champion.bundle, wanted.model
        console.print(f"following alias '{alias}': version {wanted.champion.version}, bundle "
                      f"{bundle}" + (f"; canary version {wanted.canary.version} at "
                                     f"{wanted.canary.fraction:.0%}" if wanted.canary else ""),
                      style="dim", soft_wrap=True)
        for note in wanted.notes:
            console.print(f"[yellow]![/] {note}", soft_wrap=True)
        if not wanted.approved:
            console.print(f"[yellow]![/] version {wanted.champion.version} is NOT approved for "
                          "serving (--allow-unapproved): development only", soft_wrap=True)
    try:
        settings = ServiceSettings(
            region=region, bundle=bundle.resolve(), catalogue=cat.directory.resolve(),
            decision_log=decision_log or str((region_home(home, region) / "decisions.db")
                                             .resolve()),
            canary=canary.resolve() if canary else None, canary_fraction=canary_fraction,
            shadow=shadow.resolve() if shadow else None, max_batch_rows=max_batch_rows,
            base_score=base_score, base_odds=base_odds, points_to_double_odds=pdo,
            access_log=access_log, jwt_issuer=jwt_issuer, jwt_audience=jwt_audience,
            jwt_jwks=jwt_jwks.resolve() if jwt_jwks else None,
            tls_cert=tls_cert.resolve() if tls_cert else None,
            tls_key=tls_key.resolve() if tls_key else None,
            tls_client_ca=tls_client_ca.resolve() if tls_client_ca else None,
            metrics_auth=metrics_auth, insecure_no_auth=insecure_no_auth,
            **({"mtls_scopes": mtls_scopes} if mtls_scopes is not None else {}),
            checkpoint_key=checkpoint_key or str(_local_checkpoint_key(home, region)),
            checkpoint_dir=(region_home(home, region) / "checkpoints").resolve(),
            checkpoint_interval=checkpoint_interval,
            feature_retention_days=feature_retention_days,
            follow_alias=alias, follow_model=model,
            follow_home=home.resolve() if alias is not None else None,
            allow_unapproved=allow_unapproved, canary_min_rows=canary_min_rows,
            canary_max_error_rate=canary_max_error_rate,
            canary_max_latency_ratio=canary_max_latency_ratio, canary_max_psi=canary_max_psi,
            decision_log_standby=standby)
    except ValidationError as e:
        raise typer.BadParameter("; ".join(
            f"{'.'.join(map(str, x['loc'])) + ': ' if x['loc'] else ''}"
            f"{x['msg'].removeprefix('Value error, ')}" for x in e.errors())) from None
    from artifacts.ledger import open_store, resolve_url
    from service import log_config

    if standby:  # the database takes no writes yet: only the URL is checked now
        resolve_url(settings.decision_log)
    else:  # a bad URL or database is an error now, not a 503
        open_store(settings.decision_log).close()
    auth_policy(settings)  # so is an unusable JWKS file
    for name, value in settings.model_dump(exclude_none=True).items():
        os.environ[f"SEAWALL_SERVE_{name.upper()}"] = str(value)
    if workers > 1:  # prometheus-client shares metrics between workers through files
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="seawall-metrics-")
    tls = {}
    if settings.tls_cert is not None:
        tls = {"ssl_certfile": str(settings.tls_cert), "ssl_keyfile": str(settings.tls_key)}
    if settings.tls_client_ca is not None:
        # CERT_OPTIONAL: a certificate that is presented must chain to the CA (else the
        # handshake fails), but the kubelet's probes may come without one; every path but
        # /health, /ready and /checkpoint then answers 401 (service.auth).
        tls.update(ssl_ca_certs=str(settings.tls_client_ca), ssl_cert_reqs=ssl.CERT_OPTIONAL)
    factory = "seawall.commands.serve_app:app_from_env" if alias else "service.app:app_from_env"
    uvicorn.run(factory, factory=True, host=host, port=port, workers=workers,
                loop="uvloop", http=TlsHttpToolsProtocol, log_config=log_config(),
                access_log=False, **tls,
                timeout_graceful_shutdown=10,
                # a worker verifies its bundle before it answers the supervisor's pings
                timeout_worker_healthcheck=120)


def _local_checkpoint_key(home: Path, region: str) -> Path:
    """The region's local checkpoint key (the embedded default), created 0600 on first use."""
    from artifacts.signing import ensure_local_key
    from seawall.commands.decisions import checkpoint_home

    return ensure_local_key(checkpoint_home(home, region)).private.resolve()
