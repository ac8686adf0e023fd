"""The model's Grafana dashboard, rendered from its governed plan beside the rules and routes:
the monitor's gauges per model version and cohort (Grafana variables `version` and `cohort`,
read from the gauges' labels), each with the plan's thresholds drawn in, and the service's own
health (request rate, 5xx share, p99 latency, decisions logged). The serving stacks provision it
in a ConfigMap that Grafana's dashboard sidecar picks up (label `grafana_dashboard: "1"`).
"""

from __future__ import annotations

from artifacts import metric_names as service
from monitoring.alerts import (
    APPROVAL_SHIFT,
    AUC_TREND,
    AUC_WEEKS_OUTSIDE,
    COHORT_PSI,
    FEATURE_CSI,
    LAST_RUN,
    SCORE_PSI,
)
from monitoring.plan import MonitoringPlan

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
SELECT = 'version=~"$version",cohort=~"$cohort"'


def grafana_dashboard(plan: MonitoringPlan) -> dict:
    m = f'model="{plan.model}"'
    p1, p2, p0 = plan.p1, plan.p2, plan.p0
    requests = service.series(service.HTTP_REQUESTS, "total")
    buckets = service.series(service.HTTP_REQUEST_DURATION, "bucket")
    decisions = service.series(service.DECISIONS_LOGGED, "total")
    cohort = "v{{version}} {{cohort}}"
    panels = [
        _panel("Score PSI", f"{SCORE_PSI}{{{m},{SELECT}}}", cohort,
               [(p2.score_psi, "orange"), (p1.score_psi, "red")]),
        _panel("CSI, top features", f'{FEATURE_CSI}{{{m},{SELECT},top="true"}}',
               "{{feature}} v{{version}} {{cohort}}", [(p1.top_feature_csi, "red")]),
        _panel("Approval rate shift, week over week (pp)", f"{APPROVAL_SHIFT}{{{m},{SELECT}}}",
               cohort, [(p1.approval_shift_pp, "red")]),
        _panel("AUC: runs outside the reference interval", f"{AUC_WEEKS_OUTSIDE}{{{m},{SELECT}}}",
               cohort, [(p1.auc_weeks_outside, "red")]),
        _panel("AUC trend per week", f"{AUC_TREND}{{{m},{SELECT}}}", cohort,
               [(p2.auc_trend_per_week, "orange")]),
        _panel("Segment concentration shift (largest categorical CSI)",
               f"{COHORT_PSI}{{{m},{SELECT}}}", cohort, [(p2.cohort_psi, "orange")]),
        _panel("Hours since the monitor ran", f"(time() - {LAST_RUN}{{{m}}}) / 3600",
               "monitor", [(26, "red")]),
        _panel("Scoring requests per second", f"sum by (endpoint) (rate({requests}[5m]))",
               "{{endpoint}}", []),
        _panel("Share of requests answered 5xx",
               f'sum(rate({requests}{{status=~"5.."}}[5m])) / sum(rate({requests}[5m]))',
               "5xx", [(p0.error_rate, "red")]),
        _panel("p99 latency (seconds)",
               f"histogram_quantile(0.99, sum by (le) (rate({buckets}[5m])))", "p99",
               [(p0.p99_latency_seconds, "red")]),
        _panel("Decisions logged per second", f"sum(rate({decisions}[5m]))", "logged", []),
    ]
    for i, panel in enumerate(panels):
        panel["id"] = i + 1
        panel["gridPos"] = {"h": 8, "w": 12, "x": 12 * (i % 2), "y": 8 * (i // 2)}
    return {
        "uid": f"seawall-{plan.model}"[:40], "title": f"Seawall: {plan.model} monitoring",
        "description": f"Rendered from {plan.model}'s monitoring plan v{plan.plan_version} by "
                       "`seawall monitor rules`; edit the plan, not this file.",
        "tags": ["seawall", plan.model, f"plan-v{plan.plan_version}"],
        "schemaVersion": 39, "version": plan.plan_version, "editable": False,
        "time": {"from": "now-90d", "to": "now"}, "refresh": "5m",
        "templating": {"list": [
            {"name": "datasource", "type": "datasource", "query": "prometheus",
             "label": "Prometheus"},
            _variable("version", f"label_values({SCORE_PSI}{{{m}}}, version)"),
            _variable("cohort", f"label_values({SCORE_PSI}{{{m}}}, cohort)")]},
        "panels": panels,
    }


def _panel(title: str, expr: str, legend: str, thresholds: list[tuple[float, str]]) -> dict:
    steps = [{"color": "green", "value": None},
             *({"color": colour, "value": value} for value, colour in thresholds)]
    return {"type": "timeseries", "title": title, "datasource": DATASOURCE,
            "targets": [{"refId": "A", "expr": expr, "legendFormat": legend,
                         "datasource": DATASOURCE}],
            "fieldConfig": {"defaults": {
                "thresholds": {"mode": "absolute", "steps": steps},
                "custom": {"thresholdsStyle": {"mode": "line" if thresholds else "off"}}},
                "overrides": []}}


def _variable(name: str, query: str) -> dict:
    return {"name": name, "type": "query", "datasource": DATASOURCE,
            "query": {"query": query, "refId": name}, "definition": query,
            "multi": True, "includeAll": True, "allValue": ".*",
            "current": {"text": "All", "value": "$__all"}, "refresh": 2}
