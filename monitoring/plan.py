"""The governed monitoring plan (`seawall.monitoring_plan/v1`): one YAML file per model with
every alert threshold, the statistics' settings and the alert receivers. The embedded default
is `monitoring/data/monitoring_plan.yaml`; a bank keeps its own under review, versioned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlparse

import yaml

from artifacts.documents import Document
from monitoring.errors import PlanError
from monitoring.multiple import Correction

EMBEDDED_PLAN = Path(__file__).parent / "data" / "monitoring_plan.yaml"
_DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")  # Prometheus's duration syntax


@dataclass(frozen=True, kw_only=True)
class Statistics:
    alpha: float = 0.05
    correction: str = Correction.BENJAMINI_HOCHBERG.value
    false_alarm_interval_days: float = 30.0
    min_cell: int = 20


@dataclass(frozen=True, kw_only=True)
class PageNow:
    down_for: str = "2m"
    error_rate: float = 0.01
    p99_latency_seconds: float = 0.5
    stale_for: str = "5m"


@dataclass(frozen=True, kw_only=True)
class NextBusinessDay:
    score_psi: float = 0.25
    top_feature_csi: float = 0.25
    top_features: int = 5
    auc_weeks_outside: int = 2
    approval_shift_pp: float = 2.0


@dataclass(frozen=True, kw_only=True)
class ForTheReport:
    score_psi: float = 0.10
    score_wasserstein: float = 0.01  # in probability of default: one percentage point
    auc_trend_per_week: float = -0.005
    cohort_psi: float = 0.10


@dataclass(frozen=True, kw_only=True)
class Receivers:
    page: str
    owner_validator: str


@dataclass(frozen=True, kw_only=True)
class MonitoringPlan(Document):
    FORMAT: ClassVar[str] = "seawall.monitoring_plan/v1"
    model: str
    plan_version: int
    owner: str
    validator: str
    approve_below: float
    statistics: Statistics
    p0: PageNow
    p1: NextBusinessDay
    p2: ForTheReport
    receivers: Receivers

    @property
    def correction(self) -> Correction:
        return Correction(self.statistics.correction)


def load_plan(path: Path | None = None) -> MonitoringPlan:
    """The plan at `path` (the embedded default if None), every field checked."""
    path = path or EMBEDDED_PLAN
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise PlanError(str(path), None, f"cannot be read ({e.strerror or e})") from e
    except yaml.YAMLError as e:
        raise PlanError(str(path), None, f"is not YAML ({e})".replace("\n", " ")) from e
    plan = MonitoringPlan.from_json(doc, source=str(path))
    _check(plan, str(path))
    return plan


def _check(plan: MonitoringPlan, source: str) -> None:
    def fail(field: str, rule: str) -> None:
        raise PlanError(source, field, rule)

    for field, value in (("approve_below", plan.approve_below),
                         ("statistics.alpha", plan.statistics.alpha),
                         ("p0.error_rate", plan.p0.error_rate)):
        if not 0 < value < 1:
            fail(field, f"must be between 0 and 1 (got {value})")
    if plan.statistics.correction not in {c.value for c in Correction}:
        fail("statistics.correction", "must be one of " + ", ".join(c.value for c in Correction))
    for field, value in (("plan_version", plan.plan_version),
                         ("statistics.min_cell", plan.statistics.min_cell),
                         ("statistics.false_alarm_interval_days",
                          plan.statistics.false_alarm_interval_days),
                         ("p0.p99_latency_seconds", plan.p0.p99_latency_seconds),
                         ("p1.top_features", plan.p1.top_features),
                         ("p1.auc_weeks_outside", plan.p1.auc_weeks_outside),
                         ("p1.approval_shift_pp", plan.p1.approval_shift_pp)):
        if not value > 0:
            fail(field, f"must be positive (got {value})")
    for field, value in (("p0.down_for", plan.p0.down_for), ("p0.stale_for", plan.p0.stale_for)):
        if not _DURATION.match(value):
            fail(field, f"must be a Prometheus duration such as 5m or 1h30m (got {value!r})")
    if not 0 < plan.p2.score_psi < plan.p1.score_psi:
        fail("p2.score_psi", f"must be positive and below p1.score_psi ({plan.p1.score_psi}): "
                             "P2 is the band under P1")
    for field, value in (("p2.cohort_psi", plan.p2.cohort_psi),
                         ("p2.score_wasserstein", plan.p2.score_wasserstein),
                         ("p1.top_feature_csi", plan.p1.top_feature_csi)):
        if not value > 0:
            fail(field, f"must be positive (got {value})")
    if plan.p2.auc_trend_per_week >= 0:
        fail("p2.auc_trend_per_week", "must be negative (a falling AUC is the trend reported)")
    for field, url in (("receivers.page", plan.receivers.page),
                       ("receivers.owner_validator", plan.receivers.owner_validator)):
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            fail(field, f"must be an http(s) URL of a webhook (got {url!r})")
