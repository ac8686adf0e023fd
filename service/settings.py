"""Service settings: one pydantic-settings class, read from `SEAWALL_SERVE_*` variables.

`seawall serve` fills these from its options (and passes them to uvicorn's workers through the
environment); tests build a `ServiceSettings(...)` directly. `get_settings()` reads the
environment once per process.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ALL_SCOPES = ("seawall:predict", "seawall:score", "seawall:explain", "seawall:metrics",
              "seawall:read")  # service.auth checks these; kept here so settings stay light


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEAWALL_SERVE_", frozen=True, extra="forbid")

    region: str = Field(description="Serving region; its trust policy decides (e.g. onshore-hn).")
    bundle: Path = Field(description="The champion bundle directory.")
    catalogue: Path | None = Field(None, description="Region catalogue directory (default: "
                                   "the packaged one).")
    decision_log: str = Field(description="SQLite path or postgresql:// URL of the decision log.")
    canary: Path | None = Field(None, description="Canary bundle, answering a share of traffic.")
    canary_fraction: float = Field(0.0, ge=0.0, le=1.0, description="Share of application ids "
                                   "routed to the canary (stable per id).")
    shadow: Path | None = Field(None, description="Challenger bundle: scored and logged, never "
                                "returned.")
    follow_alias: str | None = Field(None, description="Follow this registry alias (e.g. "
                                     "production): promotions and rollbacks are served without "
                                     "a restart (needs follow_home).")
    follow_model: str | None = Field(None, description="The registered model to follow.")
    follow_home: Path | None = Field(None, description="The Seawall home holding the region's "
                                     "registry and promotion ledger.")
    follow_interval: float = Field(0.5, gt=0, le=60, description="Seconds between looks at the "
                                   "promotion ledger.")
    allow_unapproved: bool = Field(False, description="Serve a version the ledger has not "
                                   "approved for serving (development only; /ready, /version and "
                                   "every decision say so).")
    canary_min_rows: int = Field(200, ge=1, description="Canary rows scored before its step is "
                                 "judged.")
    canary_max_error_rate: float = Field(0.01, ge=0, le=1, description="Most canary rows that "
                                         "may fail to score.")
    canary_max_latency_ratio: float = Field(3.0, gt=0, description="Canary scoring time against "
                                            "the champion's, at most.")
    canary_max_psi: float = Field(0.25, gt=0, description="Score PSI of the canary cohort "
                                  "against the champion's, at most.")
    max_batch_rows: int = Field(1000, ge=1, le=100_000)
    max_body_bytes: int = Field(8 * 1024 * 1024, ge=1024)
    base_score: float = Field(600.0, description="Scorecard points at `base_odds`.")
    base_odds: float = Field(50.0, gt=0, description="Good:bad odds that score `base_score`.")
    points_to_double_odds: float = Field(20.0, gt=0, description="Points that double the odds.")
    decision_batch_max: int = Field(1024, ge=1, description="Most decisions in one commit.")
    decision_log_standby: bool = Field(False, description="The decision log may be a read-only "
                                       "standby (a DR region before failover): start anyway, "
                                       "stay not ready, and turn ready once it takes writes.")
    decision_timeout: float = Field(30.0, gt=0, le=3600, description="Seconds a request waits "
                                    "for its decisions' commit before it is answered 503.")
    feature_retention_days: float = Field(90.0, ge=0, le=3650, description="Keep each "
                                          "decision's feature values beside the log for the "
                                          "monitor (CSI, PCA-CSI) this many days; 0 keeps none.")
    access_log: bool = True
    jwt_issuer: str | None = Field(None, description="Bearer tokens: the issuer (iss) to accept.")
    jwt_audience: str | None = Field(None, description="Bearer tokens: the audience (aud) they "
                                     "must name.")
    jwt_jwks: Path | None = Field(None, description="Bearer tokens: the issuer's JWKS file (its "
                                  "public keys), mounted from a Vault-backed secret.")
    tls_cert: Path | None = Field(None, description="The server's TLS certificate (PEM).")
    tls_key: Path | None = Field(None, description="The server's TLS private key (PEM, 0600).")
    tls_client_ca: Path | None = Field(None, description="Mutual TLS: the CA bundle client "
                                       "certificates must chain to.")
    mtls_scopes: str = Field(" ".join(ALL_SCOPES), description="Scopes a verified client "
                             "certificate carries when no bearer token is required.")
    metrics_auth: bool = Field(False, description="Require the seawall:metrics scope on "
                               "/metrics (else it is open, for the in-cluster Prometheus).")
    checkpoint_key: str | None = Field(None, description="Sign checkpoints of the decision log "
                                       "with this key: a PEM private key file or an HSM key's "
                                       "pkcs11: URI (PIN from $SEAWALL_PKCS11_PIN).")
    checkpoint_dir: Path | None = Field(None, description="Where signed checkpoints are "
                                        "published (<size>.note and latest.note).")
    checkpoint_interval: float = Field(30.0, gt=0, le=86400, description="Seconds between "
                                       "checkpoints (signed only when the log grew).")
    insecure_no_auth: bool = Field(False, description="Serve without client authentication "
                                   "(a local trial only; /ready and the logs say so).")
    opentelemetry: bool = Field(False, description="FastAPI's native OpenTelemetry spans and "
                                "metrics (needs configured OTel providers); Prometheus metrics "
                                "are always on.")

    @model_validator(mode="after")
    def _canary_needs_bundle(self) -> ServiceSettings:
        if self.follow_alias is not None and self.follow_home is None:
            raise ValueError("following a registry alias needs follow_home")
        if self.canary_fraction > 0 and self.canary is None:
            raise ValueError("canary_fraction > 0 needs a canary bundle")
        if not all(math.isfinite(v) for v in (self.base_score, self.base_odds,
                                              self.points_to_double_odds)):
            raise ValueError("scorecard parameters must be finite")
        if (self.checkpoint_key is None) != (self.checkpoint_dir is None):
            raise ValueError("checkpoints need both --checkpoint-key and --checkpoint-dir")
        jwt = (self.jwt_issuer, self.jwt_audience, self.jwt_jwks)
        if any(v is not None for v in jwt) and not all(v is not None for v in jwt):
            raise ValueError("bearer tokens need all of --jwt-issuer, --jwt-audience and "
                             "--jwt-jwks")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("TLS needs both --tls-cert and --tls-key")
        if self.tls_client_ca is not None and self.tls_cert is None:
            raise ValueError("mutual TLS (--tls-client-ca) needs --tls-cert and --tls-key")
        authenticated = self.jwt_issuer is not None or self.tls_client_ca is not None
        if authenticated and self.insecure_no_auth:
            raise ValueError("--insecure-no-auth contradicts the authentication configured")
        if not authenticated and not self.insecure_no_auth:
            raise ValueError("no client authentication is configured: give bearer tokens "
                             "(--jwt-issuer, --jwt-audience, --jwt-jwks) and/or mutual TLS "
                             "(--tls-client-ca with --tls-cert, --tls-key); for a local trial "
                             "only, --insecure-no-auth")
        unknown = set(self.mtls_scopes.split()) - set(ALL_SCOPES)
        if unknown:
            raise ValueError(f"--mtls-scopes: unknown scope(s) {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(ALL_SCOPES)}")
        return self


@functools.cache
def get_settings() -> ServiceSettings:
    return ServiceSettings()  # type: ignore[call-arg]  # required values come from the env
