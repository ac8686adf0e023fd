"""The monitoring report (`seawall.monitoring_report/v1`): what one `seawall monitor run` found,
as a typed document reporting renders without importing this area."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import ClassVar

from artifacts.documents import Document
from monitoring.results import DetectorResult


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One detector's result, as stored (NaN becomes null)."""

    detector: str
    subject: str
    statistic: float | None
    threshold: float | None
    n_reference: int
    n_window: int
    verdict: str
    p_value: float | None = None
    detail: dict[str, object] = field(default_factory=dict)

    @classmethod
    def of(cls, result: DetectorResult) -> Finding:
        return cls(**_finite(asdict(result)))


@dataclass(frozen=True, kw_only=True)
class Alert:
    severity: str  # P0 | P1 | P2
    rule: str  # the plan's rule, e.g. "p1.score_psi"
    cohort: str
    subject: str
    statistic: float
    threshold: float
    summary: str


@dataclass(frozen=True, kw_only=True)
class Cohort:
    role: str  # champion | canary | shadow
    model_version: str
    decisions: int
    findings: list[Finding]


@dataclass(frozen=True, kw_only=True)
class MonitoringReport(Document):
    FORMAT: ClassVar[str] = "seawall.monitoring_report/v1"
    model: str
    region: str
    window: str  # FROM..TO, days in the region's time zone
    timezone: str
    start: str  # decided_at bounds (UTC): start <= t < end
    end: str
    reference: str  # "bundle <name> v<version> reference_profile.json" or "window ..."
    plan_version: int
    correction: str
    created_at: str
    cohorts: list[Cohort]
    alerts: list[Alert]
    not_run: list[str]  # detectors that could not run, and why


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
