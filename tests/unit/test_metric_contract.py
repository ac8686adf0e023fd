"""The metric names between areas: every series a serving alert rule queries is one the service's
Prometheus registry exports, and both sides take the names from `artifacts.metric_names`."""

from __future__ import annotations

import re

from artifacts import metric_names
from infra.serving_manifests import serving_alert_rules
from service.metrics import ServiceMetrics

SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum",
                                                              "_created"), "gauge": ("",)}


def exported_series() -> set[str]:
    return {family.name + suffix for family in ServiceMetrics().registry.collect()
            for suffix in SUFFIXES[family.type]}


def test_every_series_an_alert_rule_uses_is_exported_by_the_service():
    used = {name for rule in serving_alert_rules()["rules"]
            for name in re.findall(r"\bseawall_[a-z_]+", rule["expr"])}
    assert used, "the rules query no Seawall metric"
    assert used <= exported_series(), f"queried but not exported: {used - exported_series()}"


def test_the_service_exports_exactly_the_declared_metrics():
    declared = {v for k, v in vars(metric_names).items() if k.isupper()}
    assert {f.name for f in ServiceMetrics().registry.collect()} == declared
