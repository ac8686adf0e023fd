"""The alert hierarchy as code (design notes 38.8.10), rendered from the governed plan: the
Prometheus rules and the Alertmanager routes.

- P0 pages the on-call now: the service is down, more than 1 % of answers are 5xx, p99 latency
  is over 500 ms, or answers are given while no decision is logged (stale predictions).
- P1 goes to the model owner and the validator for the next business day: score PSI > 0.25,
  CSI > 0.25 on a top-5 feature, AUC outside its reference interval two weeks running, an
  approval-rate shift above 2 pp week over week.
- P2 goes into the periodic model-risk report and never notifies anyone: PSI 0.10-0.25, a
  slowly falling AUC, a concentration shift in a cohort's segment mix (its categorical
  features).

P0 rules read the service's own metrics (`artifacts.metric_names`); P1 and P2 read the gauges
the monitor job pushes after each run (`GAUGES`, through a Pushgateway).
"""

from __future__ import annotations

from artifacts import metric_names as service
from monitoring.plan import MonitoringPlan

SCORE_PSI = "seawall_monitor_score_psi"  # model, version, cohort
FEATURE_CSI = "seawall_monitor_feature_csi"  # model, version, cohort, feature, top ("true")
AUC_WEEKS_OUTSIDE = "seawall_monitor_auc_weeks_outside_interval"  # model, version, cohort
APPROVAL_SHIFT = "seawall_monitor_approval_rate_shift_pp"  # model, version, cohort
AUC_TREND = "seawall_monitor_auc_trend_per_week"  # model, version, cohort
COHORT_PSI = "seawall_monitor_cohort_psi"  # model, version, cohort
LAST_RUN = "seawall_monitor_last_run_timestamp_seconds"  # model
GAUGES = (SCORE_PSI, FEATURE_CSI, AUC_WEEKS_OUTSIDE, APPROVAL_SHIFT, AUC_TREND, COHORT_PSI,
          LAST_RUN)
SCRAPE_JOB = "seawall-scoring"
SCORING = "/predict|/score|/explain"
RECEIVER_PAGE, RECEIVER_OWNER, RECEIVER_REPORT = "page", "owner-validator", "model-risk-report"


def _rule(name: str, expr: str, severity: str, plan: MonitoringPlan, summary: str,
          wait: str = "0m") -> dict:
    return {"alert": name, "expr": expr, "for": wait,
            "labels": {"severity": severity, "model": plan.model,
                       "plan_version": str(plan.plan_version)},
            "annotations": {"summary": summary}}


def prometheus_rules(plan: MonitoringPlan, *, job: str = SCRAPE_JOB) -> dict:
    """A Prometheus rule file (`groups:`) for the plan's model."""
    requests = service.series(service.HTTP_REQUESTS, "total")
    buckets = service.series(service.HTTP_REQUEST_DURATION, "bucket")
    decisions = service.series(service.DECISIONS_LOGGED, "total")
    m = f'model="{plan.model}"'
    p0, p1, p2 = plan.p0, plan.p1, plan.p2
    page = [
        _rule("SeawallScoringDown", f'up{{job="{job}"}} == 0', "P0", plan,
              "The scoring service is down (its metrics cannot be scraped).", p0.down_for),
        _rule("SeawallErrorRate",
              f'sum(rate({requests}{{status=~"5.."}}[5m])) / sum(rate({requests}[5m])) '
              f"> {p0.error_rate}", "P0", plan,
              f"More than {p0.error_rate:.0%} of requests are answered 5xx.", "5m"),
        _rule("SeawallLatencyP99",
              f"histogram_quantile(0.99, sum by (le) (rate({buckets}[5m]))) "
              f"> {p0.p99_latency_seconds}", "P0", plan,
              f"p99 latency is above {p0.p99_latency_seconds * 1000:.0f} ms.", "5m"),
        _rule("SeawallStalePredictions",
              f'sum(rate({requests}{{endpoint=~"{SCORING}",status="200"}}[5m])) > 0 '
              f"unless sum(rate({decisions}[5m])) > 0", "P0", plan,
              "Scores are answered but no decision is logged: the answers are not the live, "
              "logged model's.", p0.stale_for),
    ]
    owner = [
        _rule("SeawallScorePsiMaterial", f"max by (model, version, cohort) "
              f"({SCORE_PSI}{{{m}}}) > {p1.score_psi}", "P1", plan,
              f"Score PSI above {p1.score_psi}: a material population shift."),
        _rule("SeawallTopFeatureCsi", f"max by (model, version, cohort, feature) "
              f'({FEATURE_CSI}{{{m},top="true"}}) > {p1.top_feature_csi}', "P1", plan,
              f"CSI above {p1.top_feature_csi} on one of the top {p1.top_features} features."),
        _rule("SeawallAucOutsideInterval", f"max by (model, version, cohort) "
              f"({AUC_WEEKS_OUTSIDE}{{{m}}}) >= {p1.auc_weeks_outside}", "P1", plan,
              f"Weekly AUC outside the reference bootstrap interval {p1.auc_weeks_outside} "
              "weeks running."),
        _rule("SeawallApprovalRateShift", f"max by (model, version, cohort) "
              f"({APPROVAL_SHIFT}{{{m}}}) > {p1.approval_shift_pp}", "P1", plan,
              f"Approval rate moved more than {p1.approval_shift_pp} pp week over week."),
    ]
    report = [
        _rule("SeawallScorePsiModerate", f"max by (model, version, cohort) "
              f"({SCORE_PSI}{{{m}}}) > {p2.score_psi} <= {p1.score_psi}", "P2", plan,
              f"Score PSI between {p2.score_psi} and {p1.score_psi}: for the model-risk report."),
        _rule("SeawallAucTrend", f"min by (model, version, cohort) "
              f"({AUC_TREND}{{{m}}}) < {p2.auc_trend_per_week}", "P2", plan,
              f"AUC falling faster than {-p2.auc_trend_per_week} a week."),
        _rule("SeawallCohortShift", f"max by (model, version, cohort) "
              f"({COHORT_PSI}{{{m}}}) > {p2.cohort_psi}", "P2", plan,
              f"Segment concentration shift: a categorical feature's CSI above "
              f"{p2.cohort_psi}."),
    ]
    group = f"seawall-{plan.model}-v{plan.plan_version}"
    return {"groups": [{"name": f"{group}-p0", "rules": page},
                       {"name": f"{group}-p1", "rules": owner},
                       {"name": f"{group}-p2", "rules": report}]}


def alertmanager_config(plan: MonitoringPlan) -> dict:
    """Routes by severity: P0 to the pager, P1 to owner and validator, P2 to a receiver that
    sends nothing (the rollup carries it into the model-risk report)."""
    return {
        "route": {"receiver": RECEIVER_REPORT, "group_by": ["alertname", "model"],
                  "routes": [
                      {"matchers": ['severity="P0"'], "receiver": RECEIVER_PAGE,
                       "group_wait": "10s", "repeat_interval": "1h"},
                      {"matchers": ['severity="P1"'], "receiver": RECEIVER_OWNER,
                       "group_wait": "5m", "repeat_interval": "24h"},
                      {"matchers": ['severity="P2"'], "receiver": RECEIVER_REPORT}]},
        "receivers": [
            {"name": RECEIVER_PAGE, "webhook_configs": [
                {"url": plan.receivers.page, "send_resolved": True}]},
            {"name": RECEIVER_OWNER, "webhook_configs": [
                {"url": plan.receivers.owner_validator, "send_resolved": True}]},
            {"name": RECEIVER_REPORT}],
    }
