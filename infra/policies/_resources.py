"""Reading what the policies need out of a planned resource: its stack, region and pod specs."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from regions import Catalogue, Region, Tier, cross_border_ranges, load_catalogue

SERVING_COMPONENT = "seawall:serving:ServingTier"
_POD_TEMPLATE_PATHS = {
    "Deployment": ("spec", "template", "spec"), "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"), "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"), "Pod": ("spec",),
}


@functools.lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The catalogue the program used ($SEAWALL_CATALOGUE or the packaged one)."""
    return load_catalogue()


def stack_of(urn: str) -> str:
    """`urn:pulumi:<stack>::<project>::<type chain>::<name>` -> `<stack>`."""
    return urn.split("::")[0].removeprefix("urn:pulumi:")


def region_of(urn: str) -> Region | None:
    """The region a stack deploys to: stacks are named after regions. None if it is not one."""
    return catalogue().regions.get(stack_of(urn))


def outside_onshore_serving(urn: str) -> str | None:
    """Where a resource's stack is, when that is not an onshore region with the serving tier
    (a region's name, or the stack's); None when it is one."""
    region = region_of(urn)
    if region is not None and region.onshore and region.allows_tier(Tier.SERVING):
        return None
    return region.name if region else f"stack '{stack_of(urn)}'"


def labels(props: Mapping[str, Any]) -> Mapping[str, str]:
    return (props.get("metadata") or {}).get("labels") or {}


def annotations(props: Mapping[str, Any]) -> Mapping[str, str]:
    return (props.get("metadata") or {}).get("annotations") or {}


def is_serving(urn: str, resource_type: str, props: Mapping[str, Any]) -> bool:
    """Serving if it is, or sits under, a ServingTier, or says it is serving in its labels."""
    chain = urn.split("::")[2].split("$") if urn.count("::") >= 3 else []
    return (resource_type == SERVING_COMPONENT or SERVING_COMPONENT in chain
            or labels(props).get("seawall.io/tier") == "serving")


def pod_spec(kind: str, props: Mapping[str, Any]) -> Mapping[str, Any] | None:
    path = _POD_TEMPLATE_PATHS.get(kind)
    if path is None:
        return None
    node: Any = props
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else None


def containers(spec: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for group in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(group) or []:
            yield group, c


def kind_of(resource_type: str) -> str:
    """`kubernetes:apps/v1:Deployment` -> `Deployment` (empty for non-Kubernetes types)."""
    return resource_type.rsplit(":", 1)[-1] if resource_type.startswith("kubernetes:") else ""


def forbidden_ranges(region: Region) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return cross_border_ranges(catalogue(), region)
