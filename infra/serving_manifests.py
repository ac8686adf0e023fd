"""The onshore serving tier's Kubernetes objects, as plain dicts (pure; see k8s_objects).

Every pod verifies its bundle in an init container before `seawall serve` starts, and `serve`
verifies it again itself: a bundle that fails either check never scores (fail closed).
"""

from __future__ import annotations

from artifacts import metric_names as names
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
    SERVICE_PORT,
    TRACK_LABEL,
    app_labels,
    namespace_name,
    selector_labels,
    tier_labels,
    vault_role_name,
    vault_secret_path,
)
from infra.monitor_manifests import monitor_cronjob, monitoring_objects, pushgateway_egress
from infra.stack_config import BundleRef, StackConfig
from regions import Tier

APP = "seawall-serving"
TIER = Tier.SERVING
BUNDLE_DIR = "/bundle"
SECRETS_DIR = "/vault/secrets"
DECISION_LOG_SECRET = "decision-log-url"
VERIFY_CONTAINER = "verify-bundle"
STATE_DIR = "/var/lib/seawall"  # signed checkpoints (also served at /checkpoint)
# Vault secrets the serving pod needs, by file name under SECRETS_DIR -> name under the tier's
# KV prefix. TLS is always on; the client CA and the issuer's JWKS as the stack's auth says.
SERVING_SECRETS = {"tls-cert": "tls-cert", "tls-key": "tls-key",
               "checkpoint-key": "checkpoint-key"}


def serving_deployment(config: StackConfig, bundle: BundleRef, *, track: str,
                       replicas: int) -> Obj:
    """A Deployment of `seawall serve` for one bundle; `track` is `stable` or `canary`."""
    region = config.region
    name = APP if track == "stable" else f"{APP}-{track}"
    labels = app_labels(region, TIER, APP, **{TRACK_LABEL: track})
    selector = selector_labels(APP, **{TRACK_LABEL: track})
    bundle_mount = {"name": "bundle", "mountPath": BUNDLE_DIR, "subPath": bundle.path,
                    "readOnly": True}
    verify = container(VERIFY_CONTAINER, config.image, [
        "seawall", "verify", BUNDLE_DIR, "--region", region.name, "--purpose", "serve",
        "--manifest-digest", bundle.digest],
        volumeMounts=[bundle_mount], resources=resources("250m", "256Mi", "1", "512Mi"))
    # the kubelet probes over TLS without a client certificate: /health and /ready stay open
    probe = {"httpGet": {"path": "/health", "port": "http", "scheme": "HTTPS"},
             "periodSeconds": 10, "timeoutSeconds": 2, "failureThreshold": 3}
    auth_args, auth_secrets = client_auth_args(config)
    serve = container("serve", config.image, [
        "seawall", "serve", "--region", region.name, "--bundle", BUNDLE_DIR,
        "--host", "0.0.0.0", "--port", str(SERVICE_PORT), "--home", STATE_DIR,
        "--decision-log", f"secret:{DECISION_LOG_SECRET}", *auth_args,
        "--checkpoint-key", f"{SECRETS_DIR}/checkpoint-key",
        # the DR region's log is a replica until failover: ready only once it takes writes
        *(["--standby"] if config.decision_log and config.decision_log.replica else [])],
        env=[{"name": "SEAWALL_SECRETS", "value": f"file://{SECRETS_DIR}"}],
        ports=[{"name": "http", "containerPort": SERVICE_PORT, "protocol": "TCP"}],
        livenessProbe=probe,
        readinessProbe={**probe, "httpGet": {**probe["httpGet"], "path": "/ready"}},
        startupProbe={**probe, "failureThreshold": 30},
        volumeMounts=[bundle_mount, {"name": "state", "mountPath": STATE_DIR}],
        resources=resources("500m", "512Mi", "2", "1Gi"))
    secrets = {DECISION_LOG_SECRET: vault_secret_path(region, TIER, "decision-log"),
               **{f: vault_secret_path(region, TIER, n) for f, n in auth_secrets.items()}}
    annotations = vault_agent_annotations(vault_role_name(region, TIER),
                                          config.vault_auth_mount, secrets)
    annotations["seawall.io/bundle-digest"] = bundle.digest
    volumes = [{"name": "bundle", "persistentVolumeClaim": {"claimName": bundle.claim,
                                                             "readOnly": True}},
               {"name": "state", "emptyDir": {"sizeLimit": "256Mi"}}]
    spread = [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
               "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": selector}}]
    template_spec = {**pod_spec(APP, [serve], init_containers=[verify], volumes=volumes),
                     "topologySpreadConstraints": spread, "terminationGracePeriodSeconds": 30}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": metadata(name, namespace_name(TIER), labels),
            "spec": {"replicas": replicas, "selector": {"matchLabels": selector},
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
                     "template": {"metadata": {"labels": labels, "annotations": annotations},
                                  "spec": template_spec}}}


def client_auth_args(config: StackConfig) -> tuple[list[str], dict[str, str]]:
    """`seawall serve`'s TLS and client-authentication options for the stack, and the Vault
    secrets (file name -> KV name) they read. Never `--insecure-no-auth`."""
    auth = config.auth
    assert auth is not None  # parse_stack_config requires it for a serving stack
    args = ["--tls-cert", f"{SECRETS_DIR}/tls-cert", "--tls-key", f"{SECRETS_DIR}/tls-key"]
    secrets = dict(SERVING_SECRETS)
    if auth.mtls:
        args += ["--tls-client-ca", f"{SECRETS_DIR}/client-ca"]
        secrets["client-ca"] = "client-ca"
    if auth.jwt_issuer is not None:
        args += ["--jwt-issuer", auth.jwt_issuer, "--jwt-audience", auth.jwt_audience,
                 "--jwt-jwks", f"{SECRETS_DIR}/jwt-jwks"]
        secrets["jwt-jwks"] = "jwt-jwks"
    return args, secrets


def serving_objects(config: StackConfig) -> dict[str, Obj]:
    """Every namespaced object of the serving tier, by a stable Pulumi resource name."""
    region, ns = config.region, namespace_name(TIER)
    labels = tier_labels(region, TIER)
    app = app_labels(region, TIER, APP)
    assert config.bundle is not None  # parse_stack_config requires one for a serving region
    objects: dict[str, Obj] = {
        "config": {"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": metadata(f"{APP}-bundle", ns, labels),
                   "data": {"bundle-uri": config.bundle.uri,
                            "bundle-digest": config.bundle.digest,
                            "region": region.name,
                            "trust-policy": f"regions/catalogue/{region.trust_policy}"}},
        "deployment": serving_deployment(config, config.bundle, track="stable",
                                         replicas=config.replicas),
        "service": {"apiVersion": "v1", "kind": "Service",
                    "metadata": metadata(APP, ns, app),
                    "spec": {"type": "ClusterIP", "selector": selector_labels(APP),
                             "ports": [{"name": "http", "port": 80, "targetPort": "http",
                                        "protocol": "TCP"}]}},
        "hpa": {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": metadata(APP, ns, app),
                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                            "name": APP},
                         "minReplicas": config.replicas, "maxReplicas": config.max_replicas,
                         "metrics": [{"type": "Resource", "resource": {
                             "name": "cpu", "target": {"type": "Utilization",
                                                       "averageUtilization": 70}}}]}},
        "pdb": {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                "metadata": metadata(APP, ns, app),
                "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector_labels(APP)}}},
        "service-monitor": {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
                            "metadata": metadata(APP, ns, app),
                            "spec": {"selector": {"matchLabels": selector_labels(APP)},
                                     "endpoints": [{"port": "http", "path": "/metrics",
                                                    "scheme": "https", "interval": "30s"}]}},
        "monitor": monitor_cronjob(config, bundle_dir=BUNDLE_DIR,
                                   decision_log_secret=DECISION_LOG_SECRET),
        **monitoring_objects(config, serving_alert_rules()),
    }
    if config.canary is not None:
        objects["canary"] = serving_deployment(config, config.canary.bundle, track="canary",
                                               replicas=config.canary.replicas)
    ingress = {"podSelector": {"matchLabels": selector_labels(APP)}, "policyTypes": ["Ingress"],
               "ingress": [{"from": [{"namespaceSelector": {}}],
                            "ports": [{"protocol": "TCP", "port": SERVICE_PORT}]}]}
    for policy in network_policies(region, TIER, vault_cidr=config.vault_cidr,
                                   artifact_store_cidr=config.artifact_store_cidr,
                                   extra=(("allow-scoring-ingress", ingress),
                                          pushgateway_egress())):
        objects[f"netpol-{policy['metadata']['name']}"] = policy
    return objects


def serving_alert_rules() -> Obj:
    """The stack's own integrity alerts on the service's metrics, beside the plan's P0/P1/P2
    rules (error rate, latency, staleness and drift are the plan's, with its thresholds; see
    docs/serving.md for what each means)."""
    return {"name": "seawall-serving-integrity", "rules": [
        {"alert": "SeawallBundleNotVerified", "expr": f"min({names.BUNDLE_VERIFIED}) < 1",
         "for": "1m", "labels": {"severity": "P0"},
         "annotations": {"summary": "A serving pod refused its bundle and is not ready."}},
        {"alert": "SeawallCheckpointStale",
         "expr": f"sum(increase({names.series(names.DECISIONS_LOGGED, 'total')}[10m])) > 0 "
                 f"and (time() - max({names.CHECKPOINT_SIGNED})) > 300",
         "for": "5m", "labels": {"severity": "P1"},
         "annotations": {"summary": "Decisions are being logged but no checkpoint of the log "
                                    "was signed for 5 minutes (checkpoint key or HSM?)."}},
    ]}
