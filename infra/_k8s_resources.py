"""Turn the plain-dict Kubernetes objects into pulumi-kubernetes resources, unchanged."""

from __future__ import annotations

import re

import pulumi
import pulumi_kubernetes as k8s

from infra.k8s_objects import Obj, namespace, service_account
from infra.stack_config import StackConfig
from regions import Tier

_TYPED = {
    ("v1", "Namespace"): k8s.core.v1.Namespace,
    ("v1", "ServiceAccount"): k8s.core.v1.ServiceAccount,
    ("v1", "ConfigMap"): k8s.core.v1.ConfigMap,
    ("v1", "Service"): k8s.core.v1.Service,
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
    ("batch/v1", "Job"): k8s.batch.v1.Job,
    ("autoscaling/v2", "HorizontalPodAutoscaler"): k8s.autoscaling.v2.HorizontalPodAutoscaler,
    ("policy/v1", "PodDisruptionBudget"): k8s.policy.v1.PodDisruptionBudget,
    ("networking.k8s.io/v1", "NetworkPolicy"): k8s.networking.v1.NetworkPolicy,
}


def k8s_resource(name: str, obj: Obj, opts: pulumi.ResourceOptions) -> pulumi.CustomResource:
    """One resource for `obj`; kinds without a typed class (CRDs) become CustomResource."""
    # Top-level fields are constructor keywords (snake_case); nested dicts keep Kubernetes' names.
    body = {_snake(k): v for k, v in obj.items() if k not in ("apiVersion", "kind")}
    cls = _TYPED.get((obj["apiVersion"], obj["kind"]))
    if cls is None:
        return k8s.apiextensions.CustomResource(name, api_version=obj["apiVersion"],
                                                kind=obj["kind"], opts=opts, **body)
    return cls(name, opts=opts, **body)


def tier_resources(parent: pulumi.ComponentResource, config: StackConfig, tier: Tier,
                   account: str, objects: dict[str, Obj]
                   ) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
    """A tier's Namespace first, then its ServiceAccount and `objects` inside it, all children
    of `parent`; returns the namespace's and the service account's names."""
    ns = k8s_resource("namespace", namespace(config.region, tier, config.data_classes),
                      pulumi.ResourceOptions(parent=parent))
    inside = pulumi.ResourceOptions(parent=parent, depends_on=[ns])
    sa = k8s_resource("service-account", service_account(account, config.region, tier), inside)
    for key, obj in objects.items():
        k8s_resource(key, obj, inside)
    return ns.metadata.apply(lambda m: m["name"]), sa.metadata.apply(lambda m: m["name"])


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
