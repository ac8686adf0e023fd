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
    max_batch_rows: int = Field(1000, ge=1, le=100_000)
    max_body_bytes: int = Field(8 * 1024 * 1024, ge=1024)
    base_score: float = Field(600.0, description="Scorecard points at `base_odds`.")
    base_odds: float = Field(50.0, gt=0, description="Good:bad odds that score `base_score`.")
    points_to_double_odds: float = Field(20.0, gt=0, description="Points that double the odds.")
    decision_batch_max: int = Field(1024, ge=1, description="Most decisions in one commit.")
    decision_timeout: float = Field(30.0, gt=0, le=3600, description="Seconds a request waits "
                                    "for its decisions' commit before it is answered 503.")
    access_log: bool = True
    opentelemetry: bool = Field(False, description="FastAPI's native OpenTelemetry spans and "
                                "metrics (needs configured OTel providers); Prometheus metrics "
                                "are always on.")

    @model_validator(mode="after")
    def _canary_needs_bundle(self) -> ServiceSettings:
        if self.canary_fraction > 0 and self.canary is None:
            raise ValueError("canary_fraction > 0 needs a canary bundle")
        if not all(math.isfinite(v) for v in (self.base_score, self.base_odds,
                                              self.points_to_double_odds)):
            raise ValueError("scorecard parameters must be finite")
        return self


@functools.cache
def get_settings() -> ServiceSettings:
    return ServiceSettings()  # type: ignore[call-arg]  # required values come from the env
