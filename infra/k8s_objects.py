"""Kubernetes objects shared by both tiers, as plain dicts: pure functions, tested without Pulumi.

The components hand these dicts to pulumi-kubernetes unchanged, so what the tests and the
schema validation see is what `pulumi up` sends. Security settings follow the Pod Security
Standards' `restricted` profile.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from infra.labels import DATA_CLASSES_ANNOTATION, VAULT_PORT, namespace_name, tier_labels
from regions import Region, Tier

Obj = dict[str, Any]
POD_SECURITY_VERSION = "v1.30"
RUN_AS = 10001  # the image's non-root user (see Dockerfile)

POD_SECURITY_CONTEXT: Obj = {
    "runAsNonRoot": True, "runAsUser": RUN_AS, "runAsGroup": RUN_AS, "fsGroup": RUN_AS,
    "seccompProfile": {"type": "RuntimeDefault"},
}
CONTAINER_SECURITY_CONTEXT: Obj = {
    "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True,
    "privileged": False, "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
TMP_VOLUME: Obj = {"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}
TMP_MOUNT: Obj = {"name": "tmp", "mountPath": "/tmp"}


def metadata(name: str, namespace: str | None, labels: dict[str, str],
             annotations: dict[str, str] | None = None) -> Obj:
    meta: Obj = {"name": name, "labels": dict(labels)}
    if namespace:
        meta["namespace"] = namespace
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


def namespace(region: Region, tier: Tier, data_classes: frozenset) -> Obj:
    """The tier's namespace, enforcing Pod Security `restricted` and recording its data classes."""
    labels = {**tier_labels(region, tier)}
    for mode in ("enforce", "audit", "warn"):
        labels[f"pod-security.kubernetes.io/{mode}"] = "restricted"
        labels[f"pod-security.kubernetes.io/{mode}-version"] = POD_SECURITY_VERSION
    classes = ",".join(sorted(c.value for c in data_classes))
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": metadata(namespace_name(tier), None, labels,
                                 {DATA_CLASSES_ANNOTATION: classes})}


def service_account(name: str, region: Region, tier: Tier) -> Obj:
    # The token is mounted only where Vault's Kubernetes auth needs it (see pod_spec).
    return {"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": metadata(name, namespace_name(tier), tier_labels(region, tier)),
            "automountServiceAccountToken": False}


def container(name: str, image: str, command: list[str], **extra: Any) -> Obj:
    """A container that meets `restricted`: non-root, read-only root, no capabilities."""
    mounts = [TMP_MOUNT, *extra.pop("volumeMounts", [])]
    return {"name": name, "image": image, "imagePullPolicy": "IfNotPresent", "command": command,
            "securityContext": dict(CONTAINER_SECURITY_CONTEXT), "volumeMounts": mounts, **extra}


def pod_spec(service_account_name: str, containers: list[Obj], *,
             init_containers: list[Obj] | None = None, volumes: list[Obj] | None = None,
             restart_policy: str = "Always") -> Obj:
    spec: Obj = {
        "serviceAccountName": service_account_name,
        "automountServiceAccountToken": True,  # the Vault agent logs in with this token
        "securityContext": dict(POD_SECURITY_CONTEXT),
        "containers": containers,
        "volumes": [TMP_VOLUME, *(volumes or [])],
        "restartPolicy": restart_policy,
    }
    if init_containers:
        spec["initContainers"] = init_containers
    return spec


def resources(cpu: str, memory: str, cpu_limit: str, memory_limit: str) -> Obj:
    return {"requests": {"cpu": cpu, "memory": memory},
            "limits": {"cpu": cpu_limit, "memory": memory_limit}}


def network_policies(region: Region, tier: Tier, *, vault_cidr: ipaddress._BaseNetwork,
                     artifact_store_cidr: ipaddress._BaseNetwork,
                     extra: tuple[tuple[str, Obj], ...] = ()) -> list[Obj]:
    """Default deny, then egress only to cluster DNS, Vault and the artifact store.

    The CIDRs were checked against every offshore range of the catalogue when the stack's
    config was read; no rule here admits any other address.
    """
    ns, labels = namespace_name(tier), tier_labels(region, tier)

    def policy(name: str, spec: Obj) -> Obj:
        return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                "metadata": metadata(name, ns, labels), "spec": spec}

    def egress_to(cidr: ipaddress._BaseNetwork, port: int) -> Obj:
        return {"podSelector": {}, "policyTypes": ["Egress"],
                "egress": [{"to": [{"ipBlock": {"cidr": str(cidr)}}],
                            "ports": [{"protocol": "TCP", "port": port}]}]}

    dns = {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
        "to": [{"namespaceSelector": {"matchLabels": {
                    "kubernetes.io/metadata.name": "kube-system"}},
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}
    return [
        policy("default-deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        policy("allow-dns", dns),
        policy("allow-vault", egress_to(vault_cidr, VAULT_PORT)),
        policy("allow-artifact-store", egress_to(artifact_store_cidr, 443)),
        *(policy(name, spec) for name, spec in extra),
    ]


def vault_agent_annotations(role: str, auth_mount: str, secrets: dict[str, str]) -> dict[str, str]:
    """Vault Agent injector annotations: each secret rendered to /vault/secrets/<name>, 0400.

    The agent runs first (`agent-init-first`) so the secrets exist before Seawall's init
    containers; the values never pass through Pulumi state, the pod spec or the environment.
    """
    notes = {
        "vault.hashicorp.com/agent-inject": "true",
        "vault.hashicorp.com/agent-init-first": "true",
        "vault.hashicorp.com/role": role,
        "vault.hashicorp.com/auth-path": f"auth/{auth_mount}",
        "vault.hashicorp.com/agent-run-as-user": str(RUN_AS),
        "vault.hashicorp.com/agent-run-as-group": str(RUN_AS),
    }
    for name, path in secrets.items():
        notes[f"vault.hashicorp.com/agent-inject-secret-{name}"] = path
        notes[f"vault.hashicorp.com/agent-inject-template-{name}"] = (
            f'{{{{- with secret "{path}" -}}}}{{{{ .Data.data.value }}}}{{{{- end -}}}}')
        notes[f"vault.hashicorp.com/agent-inject-perms-{name}"] = "0400"
    return notes
