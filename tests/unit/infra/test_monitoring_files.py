"""The serving stacks provision what the model's governed plan renders: the P0/P1/P2 rules (with
the stack's integrity rules) as a PrometheusRule, the Alertmanager routes and the Grafana
dashboard as ConfigMaps. The embedded rendering never goes stale, a custom one is taken as
given, a broken one is named, and an offshore stack cannot have any."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml

from artifacts import metric_names
from infra import parse_stack_config
from infra.errors import StackConfigError
from infra.monitoring_files import EMBEDDED, load_monitoring_files
from infra.serving_manifests import serving_objects
from monitoring.alerts import GAUGES, prometheus_rules
from monitoring.plan import EMBEDDED_PLAN, load_plan
from monitoring.rules_files import write_rule_files


def test_the_embedded_rendering_is_what_monitor_rules_writes_today(tmp_path):
    for written in write_rule_files(load_plan(None), tmp_path):
        assert written.read_text() == (EMBEDDED / written.name).read_text(), (
            f"{EMBEDDED / written.name} is stale: run `seawall monitor rules --out {EMBEDDED}`")


def test_the_stack_carries_every_rule_of_the_plan_and_its_routes_and_dashboard(plans):
    plan = plans["onshore-hn"]
    [rule] = plan.of_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    groups = rule.props["spec"]["groups"]
    assert groups[:3] == prometheus_rules(load_plan(None))["groups"]
    assert groups[3]["name"] == "seawall-serving-integrity"
    maps = {m.props["metadata"]["name"]: m.props
            for m in plan.of_type("kubernetes:core/v1:ConfigMap")}
    routes = maps["seawall-alertmanager-uci-credit-default"]["data"]["alertmanager.yml"]
    assert yaml.safe_load(routes)["route"]["receiver"] == "model-risk-report"
    board = maps["seawall-dashboard-uci-credit-default"]
    assert board["metadata"]["labels"]["grafana_dashboard"] == "1"
    dashboard = json.loads(board["data"]["seawall-uci-credit-default.json"])
    assert {v["name"] for v in dashboard["templating"]["list"]} >= {"version", "cohort"}


def exprs(dashboard: dict) -> list[str]:
    return [t["expr"] for p in dashboard["panels"] for t in p["targets"]] + \
        [v["query"]["query"] for v in dashboard["templating"]["list"] if v["type"] == "query"]


def test_every_dashboard_query_names_a_metric_someone_exports():
    dashboard = load_monitoring_files(EMBEDDED, "test").dashboard
    service = {v for k, v in vars(metric_names).items() if k.isupper()}
    used = {m for e in exprs(dashboard) for m in re.findall(r"\bseawall_[a-z0-9_]+", e)}
    known = set(GAUGES) | {s for name in service for s in (name, f"{name}_total",
                                                           f"{name}_bucket")}
    assert used and used <= known, used - known
    monitor = {m for m in used if m.startswith("seawall_monitor_")}
    assert monitor == set(GAUGES), "every gauge the monitor pushes has a panel"


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed "
                    "(Debian package prometheus; .ci/run installs it)")
def test_every_dashboard_query_is_valid_promql(tmp_path):
    """promtool checks PromQL only inside rules: each panel query (variables replaced by what
    Grafana substitutes) as a recording rule."""
    dashboard = load_monitoring_files(EMBEDDED, "test").dashboard
    queries = [e.replace("$version", ".*").replace("$cohort", ".*")
               for e in exprs(dashboard) if not e.startswith("label_values(")]
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"seawall:panel_{i}", "expr": q} for i, q in enumerate(queries)]}]}
    (tmp_path / "d.yaml").write_text(yaml.safe_dump(rules))
    result = subprocess.run(["promtool", "check", "rules", str(tmp_path / "d.yaml")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("amtool") is None, reason="amtool not installed (Debian "
                    "package prometheus-alertmanager; .ci/run installs it)")
def test_the_provisioned_routes_pass_amtool(plans, tmp_path):
    [board] = [m for m in plans["onshore-hn"].of_type("kubernetes:core/v1:ConfigMap")
               if "alertmanager.yml" in m.props.get("data", {})]
    (tmp_path / "am.yml").write_text(board.props["data"]["alertmanager.yml"])
    result = subprocess.run(["amtool", "check-config", str(tmp_path / "am.yml")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_stack_takes_its_own_plans_rendering(catalogue, onshore_values, tmp_path):
    stricter = tmp_path / "plan.yaml"
    stricter.write_text(EMBEDDED_PLAN.read_text().replace("plan_version: 1", "plan_version: 2")
                        .replace("  score_psi: 0.25", "  score_psi: 0.20"))
    out = tmp_path / "rendered"
    out.mkdir()
    write_rule_files(load_plan(stricter), out)
    config = parse_stack_config({**onshore_values, "monitoringFiles": str(out)}, source="s",
                                catalogue=catalogue)
    groups = serving_objects(config)["prometheus-rule"]["spec"]["groups"]
    assert groups[0]["name"].endswith("-v2-p0")
    assert any("> 0.2\n" in r["expr"] + "\n" for g in groups for r in g["rules"])


@pytest.mark.parametrize("damage, message", [
    (lambda d: None, "found 0 \\*-rules.yaml"),
    (lambda d: (d / "m-rules.yaml").write_text("groups: []"), "no groups"),
    (lambda d: (d / "m-rules.yaml").write_text("groups: [{name: g, rules: [{alert: A, expr: "
                                               "up, labels: {severity: P9}}]}]"),
     "severity label P0, P1 or P2"),
])
def test_broken_monitoring_files_name_the_key_and_the_problem(catalogue, onshore_values,
                                                              tmp_path, damage, message):
    out = tmp_path / "broken"
    out.mkdir()
    damage(out)
    if (out / "m-rules.yaml").exists():
        shutil.copy(EMBEDDED / "uci-credit-default-alertmanager.yml", out / "m-alertmanager.yml")
        shutil.copy(EMBEDDED / "uci-credit-default-dashboard.json", out / "m-dashboard.json")
    config = parse_stack_config({**onshore_values, "monitoringFiles": str(out)}, source="s",
                                catalogue=catalogue)
    with pytest.raises(StackConfigError, match=message) as caught:
        serving_objects(config)
    assert "monitoringFiles" in caught.value.diagnostics()


def test_an_offshore_stack_may_not_name_monitoring_files(catalogue):
    values = {"region": "offshore-sg", "image": "r/seawall@sha256:" + "a" * 64,
              "vaultAddress": "https://vault.sg.example:8200", "vaultCidr": "10.20.250.0/28",
              "artifactStoreCidr": "10.20.251.0/24", "dataClasses": ["anonymous"],
              "monitoringFiles": "infra/monitoring"}
    with pytest.raises(StackConfigError, match="may not serve"):
        parse_stack_config(values, source="s", catalogue=catalogue)

