"""The alert hierarchy rendered from the governed plan, checked by the tools Prometheus and
Alertmanager ship: `promtool check rules`, `promtool test rules` (for every rule, input series
under which it must fire and under which it must not) and `amtool check-config` plus
`amtool config routes test` (P0 pages, P1 reaches owner and validator, P2 notifies no one)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from monitoring.alerts import (
    APPROVAL_SHIFT,
    AUC_TREND,
    AUC_WEEKS_OUTSIDE,
    COHORT_PSI,
    FEATURE_CSI,
    RECEIVER_OWNER,
    RECEIVER_PAGE,
    RECEIVER_REPORT,
    SCORE_PSI,
    alertmanager_config,
    prometheus_rules,
)
from monitoring.errors import PlanError
from monitoring.plan import EMBEDDED_PLAN, load_plan

PLAN = load_plan()
MODEL = PLAN.model
need_promtool = pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not "
                                   "installed (Debian package prometheus; .ci/run installs it)")
need_amtool = pytest.mark.skipif(shutil.which("amtool") is None, reason="amtool not installed "
                                 "(Debian package prometheus-alertmanager; .ci/run installs it)")


def rule_labels(severity: str, **series) -> dict:
    return {"severity": severity, "model": MODEL, "plan_version": str(PLAN.plan_version),
            **series}


def cohort(**extra) -> str:
    labels = {"model": MODEL, "version": "1", "cohort": "champion", **extra}
    return "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


GROUP = {"model": MODEL, "version": "1", "cohort": "champion"}
# (alert, severity, gauge series, value that must fire, value that must not)
GAUGE_CASES = [
    ("SeawallScorePsiMaterial", "P1", SCORE_PSI + cohort(), 0.30, 0.20),
    ("SeawallScorePsiModerate", "P2", SCORE_PSI + cohort(), 0.15, 0.30),
    ("SeawallScorePsiModerate", "P2", SCORE_PSI + cohort(), 0.15, 0.05),
    ("SeawallTopFeatureCsi", "P1", FEATURE_CSI + cohort(feature="PAY_0", top="true"), 0.30, 0.2),
    ("SeawallAucOutsideInterval", "P1", AUC_WEEKS_OUTSIDE + cohort(), 2, 1),
    ("SeawallApprovalRateShift", "P1", APPROVAL_SHIFT + cohort(), 2.5, 1.5),
    ("SeawallAucTrend", "P2", AUC_TREND + cohort(), -0.01, -0.001),
    ("SeawallCohortShift", "P2", COHORT_PSI + cohort(), 0.2, 0.05),
]


def gauge_test(alert, severity, series, fire, quiet) -> dict:
    extra = {"feature": "PAY_0"} if "feature=" in series else {}
    return {"interval": "1m",
            "input_series": [{"series": series, "values": f"{quiet}x10 {fire}x10"}],
            "alert_rule_test": [
                {"eval_time": "5m", "alertname": alert, "exp_alerts": []},
                {"eval_time": "15m", "alertname": alert, "exp_alerts": [
                    {"exp_labels": rule_labels(severity, **GROUP, **extra)}]}]}


LATENCY = "seawall_http_request_duration_seconds_bucket"
SERVICE_CASES = [
    # the service down from minute 6: fires once down for 2m
    {"interval": "1m",
     "input_series": [{"series": 'up{job="seawall-scoring",instance="a"}', "values": "1x5 0x20"}],
     "alert_rule_test": [
         {"eval_time": "4m", "alertname": "SeawallScoringDown", "exp_alerts": []},
         {"eval_time": "12m", "alertname": "SeawallScoringDown", "exp_alerts": [
             {"exp_labels": rule_labels("P0", job="seawall-scoring", instance="a")}]}]},
    # 2 % 5xx from minute 10 pages; 0.5 % (the other half of the test) does not
    {"interval": "1m",
     "input_series": [
         {"series": 'seawall_http_requests_total{endpoint="/predict",status="200"}',
          "values": "0+100x40"},
         {"series": 'seawall_http_requests_total{endpoint="/predict",status="500"}',
          "values": "0x10 0+2x30"}],
     "alert_rule_test": [
         {"eval_time": "8m", "alertname": "SeawallErrorRate", "exp_alerts": []},
         {"eval_time": "30m", "alertname": "SeawallErrorRate",
          "exp_alerts": [{"exp_labels": rule_labels("P0")}]}]},
    {"interval": "1m",
     "input_series": [
         {"series": 'seawall_http_requests_total{endpoint="/predict",status="200"}',
          "values": "0+200x40"},
         {"series": 'seawall_http_requests_total{endpoint="/predict",status="500"}',
          "values": "0+1x40"}],
     "alert_rule_test": [{"eval_time": "30m", "alertname": "SeawallErrorRate",
                          "exp_alerts": []}]},
    # 2 % of requests slower than 0.5 s puts p99 near 0.75 s: pages
    {"interval": "1m",
     "input_series": [
         {"series": f'{LATENCY}{{endpoint="/predict",le="{le}"}}', "values": f"0+{n}x30"}
         for le, n in (("0.1", 98), ("0.5", 98), ("1.0", 100), ("+Inf", 100))],
     "alert_rule_test": [{"eval_time": "20m", "alertname": "SeawallLatencyP99",
                          "exp_alerts": [{"exp_labels": rule_labels("P0")}]}]},
    # every request under 0.5 s: p99 near 0.3 s, no page
    {"interval": "1m",
     "input_series": [
         {"series": f'{LATENCY}{{endpoint="/predict",le="{le}"}}', "values": f"0+{n}x30"}
         for le, n in (("0.1", 98), ("0.5", 100), ("1.0", 100), ("+Inf", 100))],
     "alert_rule_test": [{"eval_time": "20m", "alertname": "SeawallLatencyP99",
                          "exp_alerts": []}]},
    # answers keep coming; decisions stop being logged at minute 10
    {"interval": "1m",
     "input_series": [
         {"series": 'seawall_http_requests_total{endpoint="/score",status="200"}',
          "values": "0+10x40"},
         {"series": "seawall_decisions_logged_total", "values": "0+10x10 100x30"}],
     "alert_rule_test": [
         {"eval_time": "9m", "alertname": "SeawallStalePredictions", "exp_alerts": []},
         {"eval_time": "30m", "alertname": "SeawallStalePredictions",
          "exp_alerts": [{"exp_labels": rule_labels("P0")}]}]},
]


def annotate(tests: list[dict], plan) -> None:
    """promtool compares annotations too: expect each alert's own."""
    annotations = {r["alert"]: r["annotations"] for g in prometheus_rules(plan)["groups"]
                   for r in g["rules"]}
    for check in (t for case in tests for t in case["alert_rule_test"]):
        for alert in check["exp_alerts"]:
            alert["exp_annotations"] = annotations[check["alertname"]]


def write_rules(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(prometheus_rules(PLAN)))
    return path


@need_promtool
def test_the_rules_pass_promtool_check(tmp_path):
    result = subprocess.run(["promtool", "check", "rules", str(write_rules(tmp_path))],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 11 rules found" in result.stdout


@need_promtool
def test_every_rule_fires_when_it_must_and_not_otherwise(tmp_path):
    write_rules(tmp_path)
    tests = [gauge_test(*case) for case in GAUGE_CASES] + SERVICE_CASES
    # another model's gauges never raise this model's alerts
    tests.append({"interval": "1m", "input_series": [
        {"series": SCORE_PSI + '{model="other",version="1",cohort="champion"}',
         "values": "0.9x10"}],
        "alert_rule_test": [{"eval_time": "5m", "alertname": a, "exp_alerts": []}
                            for a in ("SeawallScorePsiMaterial", "SeawallScorePsiModerate")]})
    annotate(tests, PLAN)
    covered = {t["alertname"] for case in tests for t in case["alert_rule_test"]}
    assert covered == {r["alert"] for g in prometheus_rules(PLAN)["groups"] for r in g["rules"]}
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(
        {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": tests}))
    result = subprocess.run(["promtool", "test", "rules", "tests.yaml"], capture_output=True,
                            text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@need_promtool
def test_a_changed_threshold_changes_what_fires(tmp_path):
    stricter = replace(PLAN, p1=replace(PLAN.p1, score_psi=0.35))
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(prometheus_rules(stricter)))
    def run(fire: float) -> subprocess.CompletedProcess:
        tests = [gauge_test("SeawallScorePsiMaterial", "P1", SCORE_PSI + cohort(), fire, 0.2)]
        annotate(tests, stricter)
        (tmp_path / "tests.yaml").write_text(yaml.safe_dump(
            {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": tests}))
        return subprocess.run(["promtool", "test", "rules", "tests.yaml"],
                              capture_output=True, text=True, cwd=tmp_path)

    assert run(0.40).returncode == 0  # above the new threshold: fires
    missed = run(0.30)  # fired under the embedded plan; not under this one
    assert missed.returncode != 0 and "SeawallScorePsiMaterial" in missed.stdout + missed.stderr


@need_amtool
def test_alertmanager_routes_p0_to_the_pager_and_p2_to_no_one(tmp_path):
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(alertmanager_config(PLAN)))
    check = subprocess.run(["amtool", "check-config", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    for severity, receiver in (("P0", RECEIVER_PAGE), ("P1", RECEIVER_OWNER),
                               ("P2", RECEIVER_REPORT)):
        routed = subprocess.run(["amtool", "config", "routes", "test", f"--config.file={path}",
                                 f"severity={severity}", f"model={MODEL}"],
                                capture_output=True, text=True)
        assert routed.stdout.strip() == receiver, routed.stdout + routed.stderr
    report = next(r for r in alertmanager_config(PLAN)["receivers"]
                  if r["name"] == RECEIVER_REPORT)
    assert set(report) == {"name"}  # no notifier of any kind: P2 never pages


@pytest.mark.parametrize(("change", "message"), [
    ("p2:\n  score_psi: 0.3", "p2.score_psi: must be positive and below p1.score_psi"),
    ("p0:\n  down_for: soon", "p0.down_for: must be a Prometheus duration"),
    ("approve_below: 1.5", "approve_below: must be between 0 and 1"),
    ("statistics:\n  correction: holm", "statistics.correction: must be one of"),
    ("receivers:\n  page: pagerduty\n  owner_validator: http://x.example/",
     "receivers.page: must be an http(s) URL"),
])
def test_a_bad_plan_is_one_line_naming_the_field(tmp_path, change, message):
    doc = yaml.safe_load(EMBEDDED_PLAN.read_text())
    for key, value in yaml.safe_load(change).items():
        doc[key] = {**doc[key], **value} if isinstance(value, dict) else value
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert str(path) in str(caught.value) and message in str(caught.value)
    assert "\n" not in caught.value.diagnostics()


def test_the_rules_command_writes_both_files_and_refuses_a_bad_plan(tmp_path):
    import sys
    sys.path.insert(0, str(Path(__file__).parents[2] / "e2e"))
    from test_cli import run

    out = run("monitor", "rules", "--out", str(tmp_path), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    rules = yaml.safe_load((tmp_path / f"{MODEL}-rules.yaml").read_text())
    assert rules == prometheus_rules(PLAN)
    assert yaml.safe_load((tmp_path / f"{MODEL}-alertmanager.yml").read_text()) == \
        alertmanager_config(PLAN)
    bad = tmp_path / "plan.yaml"
    bad.write_text("format: seawall.monitoring_plan/v1\nmodel: m\n")
    refused = run("monitor", "rules", "--plan", str(bad), "--out", str(tmp_path), cwd=tmp_path)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert str(bad) in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
