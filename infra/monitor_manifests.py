"""The onshore monitor: a CronJob in the serving namespace that runs `seawall monitor run`
every night on the last 28 days of decisions (days in the region's time zone: Page-Hinkley
needs the days, the approval shift two weeks) against the served
bundle's signed reference profile, and pushes its gauges to the cluster's Pushgateway for the
plan's P1/P2 rules. It reads the decision log where the service writes it, so scored rows never
leave the region; the residency pack refuses a monitor in any region but an onshore serving one.

Beside it, what the model's governed plan renders (`seawall monitor rules`, read by
`infra.monitoring_files`): the P0/P1/P2 rules as a PrometheusRule, the Alertmanager routes in a
ConfigMap, and the Grafana dashboard in a ConfigMap labelled for Grafana's dashboard sidecar.
"""

from __future__ import annotations

import json
from pathlib import Path

from infra.k8s_objects import (
    Obj,
    container,
    metadata,
    pod_spec,
    resources,
    vault_agent_annotations,
)
from infra.labels import (
    app_labels,
    namespace_name,
    selector_labels,
    vault_role_name,
    vault_secret_path,
)
from infra.monitoring_files import EMBEDDED, load_monitoring_files
from infra.stack_config import StackConfig
from regions import Tier, timezone_of

MONITOR = "seawall-monitor"
SCHEDULE = "30 2 * * *"  # 02:30 local time: the day before is complete
PUSHGATEWAY_NAMESPACE = "monitoring"
PUSHGATEWAY = "http://prometheus-pushgateway.monitoring.svc:9091"
SECRETS_DIR = "/vault/secrets"


def monitor_cronjob(config: StackConfig, *, bundle_dir: str, decision_log_secret: str) -> Obj:
    region, tier = config.region, Tier.SERVING
    labels = app_labels(region, tier, MONITOR)
    assert config.bundle is not None
    run = container(MONITOR, config.image, [
        "seawall", "monitor", "run", "--region", region.name, "--window", "last-28-days",
        "--bundle", bundle_dir, "--decision-log", f"secret:{decision_log_secret}",
        "--home", "/tmp/seawall", "--push", PUSHGATEWAY, "--lang", "both"],
        env=[{"name": "SEAWALL_SECRETS", "value": f"file://{SECRETS_DIR}"}],
        volumeMounts=[{"name": "bundle", "mountPath": bundle_dir, "subPath": config.bundle.path,
                       "readOnly": True}],
        resources=resources("250m", "512Mi", "1", "1Gi"))
    annotations = vault_agent_annotations(
        vault_role_name(region, tier), config.vault_auth_mount,
        {decision_log_secret: vault_secret_path(region, tier, "decision-log")})
    annotations["vault.hashicorp.com/agent-pre-populate-only"] = "true"  # a Job must end
    volumes = [{"name": "bundle", "persistentVolumeClaim": {"claimName": config.bundle.claim,
                                                             "readOnly": True}}]
    spec = pod_spec("seawall-serving", [run], volumes=volumes, restart_policy="Never")
    return {"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": metadata(MONITOR, namespace_name(tier), labels),
            "spec": {"schedule": SCHEDULE, "timeZone": timezone_of(region.jurisdiction),
                     "concurrencyPolicy": "Forbid", "successfulJobsHistoryLimit": 3,
                     "failedJobsHistoryLimit": 3,
                     "jobTemplate": {"spec": {"backoffLimit": 2, "template": {
                         "metadata": {"labels": labels, "annotations": annotations},
                         "spec": spec}}}}}


def pushgateway_egress() -> tuple[str, Obj]:
    """The monitor may reach the Pushgateway in the cluster's monitoring namespace, no more."""
    return ("allow-monitor-push", {
        "podSelector": {"matchLabels": selector_labels(MONITOR)},
        "policyTypes": ["Egress"],
        "egress": [{"to": [{"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": PUSHGATEWAY_NAMESPACE}}}],
            "ports": [{"protocol": "TCP", "port": 9091}]}]})


def monitoring_objects(config: StackConfig, integrity: Obj) -> dict[str, Obj]:
    """The plan's rules (with the stack's own `integrity` group), routes and dashboard."""
    files = load_monitoring_files(Path(config.monitoring_files) if config.monitoring_files
                                  else EMBEDDED, config.source)
    region, ns = config.region, namespace_name(Tier.SERVING)
    labels = app_labels(region, Tier.SERVING, "seawall-serving")
    return {
        "prometheus-rule": {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
                            "metadata": metadata("seawall-serving", ns, labels),
                            "spec": {"groups": [*files.rule_groups, integrity]}},
        "alert-routes": {"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": metadata(f"seawall-alertmanager-{files.model}", ns, labels),
                         "data": {"alertmanager.yml": files.routes}},
        "grafana-dashboard": {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": metadata(f"seawall-dashboard-{files.model}", ns,
                                 {**labels, "grafana_dashboard": "1"}),
            "data": {f"seawall-{files.model}.json": json.dumps(files.dashboard, indent=1)}},
    }
