"""Every stack planned under `pulumi.runtime.set_mocks`: the resource graph and the properties
the issue asks for, stated as compliance rules."""

from __future__ import annotations

import json
import runpy
import shutil
import subprocess

import pulumi
import pytest
import yaml
from infra_values import PROJECT, STACKS
from pulumi.runtime.mocks import MockMonitor

from infra import check_schemas, parse_stack_config, plan_stack, read_stack_file
from infra.decision_log_db import Pair
from infra.plan import RecordingMocks
from infra.serving_tier import ServingTier, ServingTierArgs
from regions import ResidencyError


def _deployments(plan):
    return [r for r in plan.of_type("kubernetes:apps/v1:Deployment")]


def _pod(obj):
    spec = obj["spec"]
    return (spec.get("jobTemplate", {}).get("spec", spec))["template"]["spec"]


def _workloads(plan):
    return [r for r in plan.resources if r.type in ("kubernetes:apps/v1:Deployment",
                                                     "kubernetes:batch/v1:Job")]


def test_onshore_graph_has_the_serving_tier_and_its_vault_access(plans):
    plan = plans["onshore-hn"]
    kinds = {r.type.rsplit(":", 1)[-1] for r in plan.resources if r.parents[-1:] ==
             ["seawall:serving:ServingTier"]}
    assert kinds == {"Namespace", "ServiceAccount", "ConfigMap", "Deployment", "CronJob",
                     "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget",
                     "NetworkPolicy", "ServiceMonitor", "PrometheusRule", "Cluster"}
    assert sorted(r.name for r in _deployments(plan)) == ["canary", "deployment"]
    vault = {r.type for r in plan.resources if r.parents[-1:] == ["seawall:vault:VaultAccess"]}
    assert vault == {"vault:index/mount:Mount", "vault:index/policy:Policy",
                     "vault:kubernetes/authBackendRole:AuthBackendRole"}
    assert not [r for r in plan.resources if "seawall:training:TrainingTier" in r.parents]
    assert plan.outputs["namespace"] == "seawall-serving"
    assert plan.outputs["bundleDigest"].startswith("sha256:")
    assert plan.outputs["vaultRole"] == "seawall-onshore-hn-serving"


def test_offshore_graph_has_only_the_training_tier(plans):
    plan = plans["offshore-sg"]
    assert not [r for r in plan.resources if "seawall:serving:ServingTier" in r.parents
                or r.type == "seawall:serving:ServingTier"]
    names = {r.props["metadata"]["name"] for r in _workloads(plan)}
    assert names == {"seawall-mlflow", "seawall-train"}
    for r in _workloads(plan):
        for c in _pod(r.props)["containers"]:
            assert "serve" not in c["command"][:2], f"{r.name} runs the serving command offshore"
    job = plan.of_type("kubernetes:batch/v1:Job")[0].props
    assert job["spec"]["suspend"] is True, "the training Job is a template, started on demand"
    assert plan.outputs["trackingUri"].endswith(":5000")


@pytest.mark.parametrize("stack", [s for s in STACKS if s.startswith("onshore")])
def test_every_serving_deployment_verifies_its_pinned_bundle_before_serving(plans, stack):
    for r in _deployments(plans[stack]):
        pod = _pod(r.props)
        [init] = pod["initContainers"]
        assert init["command"][:3] == ["seawall", "verify", "/bundle"], \
            f"serving Deployment {r.name} has no verify init container"
        digest = r.props["spec"]["template"]["metadata"]["annotations"]["seawall.io/bundle-digest"]
        assert init["command"][init["command"].index("--manifest-digest") + 1] == digest
        assert init["command"][init["command"].index("--purpose") + 1] == "serve"
        [serve] = pod["containers"]
        assert serve["command"][:2] == ["seawall", "serve"]
        assert serve["livenessProbe"]["httpGet"]["path"] == "/health"
        assert serve["readinessProbe"]["httpGet"]["path"] == "/ready"
        mounts = {m["name"]: m for m in init["volumeMounts"]}
        assert mounts["bundle"] == {m["name"]: m for m in serve["volumeMounts"]}["bundle"]
        notes = r.props["spec"]["template"]["metadata"]["annotations"]
        assert notes["vault.hashicorp.com/agent-inject"] == "true"
        assert notes["vault.hashicorp.com/role"] == f"seawall-{stack}-serving"


@pytest.mark.parametrize("stack", [s for s in STACKS if s.startswith("onshore")])
def test_serving_pods_authenticate_clients_with_material_vault_injects(plans, stack):
    for r in _deployments(plans[stack]):
        [serve] = _pod(r.props)["containers"]
        argv = serve["command"]
        notes = r.props["spec"]["template"]["metadata"]["annotations"]
        assert "--insecure-no-auth" not in argv
        for flag, secret in (("--tls-cert", "tls-cert"), ("--tls-key", "tls-key"),
                             ("--tls-client-ca", "client-ca"), ("--jwt-jwks", "jwt-jwks"),
                             ("--checkpoint-key", "checkpoint-key")):
            assert argv[argv.index(flag) + 1] == f"/vault/secrets/{secret}", flag
            path = notes[f"vault.hashicorp.com/agent-inject-secret-{secret}"]
            assert path == f"seawall/{stack}/data/serving/{secret}"
            assert notes[f"vault.hashicorp.com/agent-inject-perms-{secret}"] == "0400"
        assert argv[argv.index("--jwt-issuer") + 1].startswith("https://")
        assert serve["readinessProbe"]["httpGet"]["scheme"] == "HTTPS"
        assert not any("BEGIN" in str(v) for v in notes.values()), "key material in the spec"


@pytest.mark.parametrize("stack", STACKS)
def test_every_container_is_non_root_read_only_and_capability_free(plans, stack):
    for r in _workloads(plans[stack]):
        pod = _pod(r.props)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        for c in pod.get("initContainers", []) + pod["containers"]:
            sc = c["securityContext"]
            where = f"{r.name}/{c['name']}"
            assert sc["readOnlyRootFilesystem"] is True, f"{where} has a writable root"
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["capabilities"] == {"drop": ["ALL"]}, where
            assert c["resources"]["requests"] and c["resources"]["limits"], where
            assert "@sha256:" in c["image"], f"{where} image is not pinned by digest"


@pytest.mark.parametrize("stack", STACKS)
def test_namespaces_enforce_restricted_and_default_deny(plans, stack):
    plan = plans[stack]
    [ns] = plan.of_type("kubernetes:core/v1:Namespace")
    assert ns.props["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    policies = {p.props["metadata"]["name"]: p.props["spec"]
                for p in plan.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")}
    assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    egress_ports = sorted(port["port"] for spec in policies.values()
                          for rule in spec.get("egress", []) for port in rule["ports"])
    assert set(egress_ports) <= {53, 443, 5000, 5432, 8200, 9091}  # 9091: the Pushgateway


def test_onshore_hn_has_hpa_pdb_and_monitoring(plans):
    plan = plans["onshore-hn"]
    [hpa] = plan.of_type("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
    assert (hpa.props["spec"]["minReplicas"], hpa.props["spec"]["maxReplicas"]) == (3, 9)
    [pdb] = plan.of_type("kubernetes:policy/v1:PodDisruptionBudget")
    assert pdb.props["spec"]["maxUnavailable"] == 1
    [monitor] = plan.of_type("kubernetes:monitoring.coreos.com/v1:ServiceMonitor")
    assert monitor.props["spec"]["endpoints"][0]["path"] == "/metrics"
    assert plan.of_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")


def test_the_monitor_runs_nightly_on_the_last_four_weeks_and_pushes_in_the_region(plans):
    [cron] = plans["onshore-hn"].of_type("kubernetes:batch/v1:CronJob")
    spec = cron.props["spec"]
    assert spec["timeZone"] == "Asia/Ho_Chi_Minh" and spec["concurrencyPolicy"] == "Forbid"
    pod = spec["jobTemplate"]["spec"]["template"]
    [run] = pod["spec"]["containers"]
    assert run["command"][:3] == ["seawall", "monitor", "run"]
    assert "last-28-days" in run["command"] and "--push" in run["command"]
    assert run["securityContext"]["runAsNonRoot"] is True and "@sha256:" in run["image"]
    assert pod["metadata"]["annotations"]["vault.hashicorp.com/agent-pre-populate-only"] == \
        "true"  # no sidecar left running: the Job can end
    assert not plans["offshore-sg"].of_type("kubernetes:batch/v1:CronJob")


def test_the_dr_region_has_no_canary(plans):
    assert [r.name for r in _deployments(plans["onshore-hcm"])] == ["deployment"]


def test_a_serving_tier_cannot_be_planned_offshore(catalogue, onshore_values):
    config = parse_stack_config(onshore_values, source="s", catalogue=catalogue)
    offshore = type(config)(**{**config.__dict__, "region": catalogue.get("offshore-sg")})
    with pytest.raises(ResidencyError, match="does not allow the serving tier"):
        ServingTier("sneaky", ServingTierArgs(config=offshore,
                                              pair=Pair("onshore-hcm", "VN", "pg.example.vn")))


@pytest.mark.parametrize("stack", STACKS)
def test_every_kubernetes_object_is_valid_against_the_pinned_schemas(plans, stack):
    checks = check_schemas(plans[stack].kubernetes_objects())
    assert [c for c in checks if c.problem] == []
    assert sum(c.checked for c in checks) >= 12
    assert {c.kind for c in checks if not c.checked} <= {"ServiceMonitor", "PrometheusRule"}


def test_schema_validation_catches_a_wrong_field():
    broken = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
              "spec": {"replicas": "three", "selector": {}, "template": {}}}
    [check] = check_schemas([broken])
    assert check.problem and "replicas" in check.problem


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed "
                    "(Debian package prometheus; .ci/run installs it)")
def test_the_prometheus_rule_passes_promtool(plans, tmp_path):
    [rule] = plans["onshore-hn"].of_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(rule.props["spec"]))
    result = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 13 rules found" in result.stdout  # the plan's 11 and 2 of integrity


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed "
                    "(Debian package prometheus; .ci/run installs it)")
def test_a_stale_checkpoint_alerts_only_while_decisions_are_logged(plans, tmp_path):
    [rule] = plans["onshore-hn"].of_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rule.props["spec"]))
    # Checkpoints signed at t=0 and never again; decisions logged for the first 30 minutes
    # only. The alert must fire while decisions are logged unsigned, and clear once they stop.
    tests = {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": [{
        "interval": "1m",
        "input_series": [
            {"series": "seawall_decisions_logged_total", "values": "0+10x30 300x30"},
            {"series": "seawall_checkpoint_signed_timestamp_seconds", "values": "0x60"}],
        "alert_rule_test": [
            {"eval_time": "4m", "alertname": "SeawallCheckpointStale", "exp_alerts": []},
            {"eval_time": "20m", "alertname": "SeawallCheckpointStale", "exp_alerts": [{
                "exp_labels": {"severity": "P1"}, "exp_annotations": {
                    "summary": rule.props["spec"]["groups"][-1]["rules"][1]["annotations"]
                    ["summary"]}}]},
            {"eval_time": "55m", "alertname": "SeawallCheckpointStale", "exp_alerts": []}]}]}
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(tests))
    result = subprocess.run(["promtool", "test", "rules", "tests.yaml"], capture_output=True,
                            text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_planning_twice_gives_the_same_objects(catalogue, onshore_values):
    config = parse_stack_config(onshore_values, source="s", catalogue=catalogue)
    first, second = plan_stack(config), plan_stack(config)
    key = lambda o: (o["kind"], o["metadata"]["name"])  # noqa: E731
    assert sorted(first.kubernetes_objects(), key=key) == \
        sorted(second.kubernetes_objects(), key=key)


def test_the_entry_point_pulumi_runs_reads_config_and_keeps_the_kubeconfig_secret():
    """`infra/__main__.py` as the engine runs it: config through pulumi.Config, not the file."""
    values = read_stack_file(PROJECT / "Pulumi.onshore-hn.yaml")
    config = {f"seawall:{k}": json.dumps(v) if isinstance(v, list) else str(v)
              for k, v in values.items()}
    config["seawall:kubeconfig"] = "apiVersion: v1\nkind: Config\n"
    monitor = MockMonitor(RecordingMocks())
    pulumi.runtime.set_mocks(monitor.mocks, project="seawall", stack="onshore-hn",
                             preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(config, ["seawall:kubeconfig"])
    try:
        pulumi.runtime.test(lambda: runpy.run_path(str(PROJECT / "infra" / "__main__.py"))
                            and None)()
    finally:
        pulumi.runtime.set_all_config({})
    registered = monitor.get_registered_resources()
    types = {urn.split("::")[2].split("$")[-1] for urn in registered}
    assert {"seawall:serving:ServingTier", "seawall:vault:VaultAccess",
            "kubernetes:apps/v1:Deployment"} <= types
    [provider] = [r for urn, r in registered.items() if "pulumi:providers:kubernetes" in urn]
    kubeconfig = provider.state["kubeconfig"]
    assert kubeconfig[pulumi.runtime.rpc._special_sig_key] == pulumi.runtime.rpc._special_secret_sig
