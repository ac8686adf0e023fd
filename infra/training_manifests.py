"""The offshore training tier's Kubernetes objects, as plain dicts (pure; see k8s_objects).

An MLflow tracking server (its backend-store credentials rendered by the Vault agent, never
in the pod spec) and a suspended training Job that an operator or a pipeline starts with
`kubectl create job --from=job/seawall-train`. Nothing here can serve: the tier has no
Service reachable from outside its namespace and no serving image command.
"""

from __future__ import annotations

from infra.k8s_objects import (
    Obj,
    container,
    metadata,
    network_policies,
    pod_spec,
    resources,
    vault_agent_annotations,
)
from infra.labels import (
    app_labels,
    namespace_name,
    selector_labels,
    tier_labels,
    vault_role_name,
    vault_secret_path,
)
from infra.stack_config import StackConfig
from regions import Tier

TIER = Tier.TRAINING
MLFLOW = "seawall-mlflow"
TRAINER = "seawall-train"
MLFLOW_PORT = 5000
SECRETS_DIR = "/vault/secrets"


def training_objects(config: StackConfig) -> dict[str, Obj]:
    """Every namespaced object of the training tier, by a stable Pulumi resource name."""
    region, ns = config.region, namespace_name(TIER)
    role = vault_role_name(region, TIER)
    store = vault_agent_annotations(role, config.vault_auth_mount, {
        "backend-store-uri": vault_secret_path(region, TIER, "mlflow-backend-store")})
    mlflow_labels = app_labels(region, TIER, MLFLOW)
    server = container("mlflow", config.image, ["sh", "-c", (
        'exec mlflow server --host 0.0.0.0 --port 5000 '
        f'--backend-store-uri "$(cat {SECRETS_DIR}/backend-store-uri)" '
        '--artifacts-destination /artifacts --serve-artifacts')],
        ports=[{"name": "http", "containerPort": MLFLOW_PORT, "protocol": "TCP"}],
        readinessProbe={"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 10},
        livenessProbe={"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 20},
        volumeMounts=[{"name": "artifacts", "mountPath": "/artifacts"}],
        resources=resources("250m", "512Mi", "1", "1Gi"))
    artifacts = [{"name": "artifacts",
                  "persistentVolumeClaim": {"claimName": "seawall-mlflow-artifacts"}}]
    tracking = f"http://{MLFLOW}.{ns}.svc:{MLFLOW_PORT}"
    trainer_labels = app_labels(region, TIER, TRAINER)
    train = container("train", config.image, [
        "seawall", "train", "--region", region.name, "--data", "/data/train.csv",
        "--spec", "/data/spec.yaml", "--out", "/tmp/bundle"],
        env=[{"name": "MLFLOW_TRACKING_URI", "value": tracking}],
        volumeMounts=[{"name": "data", "mountPath": "/data", "readOnly": True}],
        resources=resources("1", "2Gi", "2", "4Gi"))
    data = [{"name": "data", "persistentVolumeClaim": {"claimName": "seawall-anonymised-data",
                                                        "readOnly": True}}]
    to_mlflow = {"podSelector": {"matchLabels": selector_labels(TRAINER)},
                 "policyTypes": ["Egress"],
                 "egress": [{"to": [{"podSelector": {"matchLabels": selector_labels(MLFLOW)}}],
                             "ports": [{"protocol": "TCP", "port": MLFLOW_PORT}]}]}
    from_trainer = {"podSelector": {"matchLabels": selector_labels(MLFLOW)},
                    "policyTypes": ["Ingress"],
                    "ingress": [{"from": [{"podSelector": {
                                     "matchLabels": selector_labels(TRAINER)}}],
                                 "ports": [{"protocol": "TCP", "port": MLFLOW_PORT}]}]}
    backend = {"podSelector": {"matchLabels": selector_labels(MLFLOW)},
               "policyTypes": ["Egress"],
               "egress": [{"to": [{"ipBlock": {"cidr": str(config.artifact_store_cidr)}}],
                           "ports": [{"protocol": "TCP", "port": 5432}]}]}
    objects: dict[str, Obj] = {
        "mlflow": {"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": metadata(MLFLOW, ns, mlflow_labels),
                   "spec": {"replicas": 1, "selector": {"matchLabels": selector_labels(MLFLOW)},
                            "template": {"metadata": {"labels": mlflow_labels,
                                                      "annotations": store},
                                         "spec": pod_spec(TRAINER, [server],
                                                          volumes=artifacts)}}},
        "mlflow-service": {"apiVersion": "v1", "kind": "Service",
                           "metadata": metadata(MLFLOW, ns, mlflow_labels),
                           "spec": {"type": "ClusterIP", "selector": selector_labels(MLFLOW),
                                    "ports": [{"name": "http", "port": MLFLOW_PORT,
                                               "targetPort": "http", "protocol": "TCP"}]}},
        "train-job": {"apiVersion": "batch/v1", "kind": "Job",
                      "metadata": metadata(TRAINER, ns, trainer_labels),
                      "spec": {"suspend": True, "backoffLimit": 0,
                               "ttlSecondsAfterFinished": 86400,
                               "template": {"metadata": {"labels": trainer_labels},
                                            "spec": pod_spec(TRAINER, [train], volumes=data,
                                                             restart_policy="Never")}}},
        "config": {"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": metadata(f"{TRAINER}-config", ns, tier_labels(region, TIER)),
                   "data": {"region": region.name, "tracking-uri": tracking,
                            "data-classes": ",".join(
                                sorted(c.value for c in config.data_classes))}},
    }
    for policy in network_policies(region, TIER, vault_cidr=config.vault_cidr,
                                   artifact_store_cidr=config.artifact_store_cidr,
                                   extra=(("allow-trainer-to-mlflow", to_mlflow),
                                          ("allow-mlflow-from-trainer", from_trainer),
                                          ("allow-mlflow-backend-store", backend))):
        objects[f"netpol-{policy['metadata']['name']}"] = policy
    return objects
