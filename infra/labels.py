"""Names and labels of every object Seawall deploys: pure functions, tested without Pulumi.

The policy pack reads the same labels, so a resource is recognised as serving or training by
what the program wrote, and the region by the stack it belongs to.
"""

from __future__ import annotations

from regions import Region, Tier

PART_OF = "seawall"
REGION_LABEL = "seawall.io/region"
RESIDENCY_LABEL = "seawall.io/residency"
TIER_LABEL = "seawall.io/tier"
DATA_CLASSES_ANNOTATION = "seawall.io/data-classes"
COMPONENT_LABEL = "app.kubernetes.io/component"
NAME_LABEL = "app.kubernetes.io/name"
TRACK_LABEL = "seawall.io/track"
SERVICE_PORT = 8080
VAULT_PORT = 8200


def namespace_name(tier: Tier) -> str:
    """One namespace per tier; each region is its own cluster, so the name need not repeat it."""
    return f"seawall-{tier.value}"


def tier_labels(region: Region, tier: Tier) -> dict[str, str]:
    """Labels every object of a tier carries."""
    return {
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
        REGION_LABEL: region.name,
        RESIDENCY_LABEL: region.residency.value,
        TIER_LABEL: tier.value,
    }


def app_labels(region: Region, tier: Tier, app: str, **extra: str) -> dict[str, str]:
    """Labels of one application (its selector is the `selector_labels` subset)."""
    return {**tier_labels(region, tier), NAME_LABEL: app, COMPONENT_LABEL: tier.value, **extra}


def selector_labels(app: str, **extra: str) -> dict[str, str]:
    return {NAME_LABEL: app, **extra}


def vault_role_name(region: Region, tier: Tier) -> str:
    return f"seawall-{region.name}-{tier.value}"


def vault_kv_mount(region: Region) -> str:
    """Every region's secrets live under their own KV v2 mount, so one policy cannot reach two."""
    return f"seawall/{region.name}"


def vault_secret_path(region: Region, tier: Tier, name: str) -> str:
    """The API path a KV v2 secret is read at (the `data/` segment is KV v2's)."""
    return f"{vault_kv_mount(region)}/data/{tier.value}/{name}"
