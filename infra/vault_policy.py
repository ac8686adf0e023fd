"""Vault policy text for a region's tier: pure, so the residency rule can be tested as text.

A role may read only its own region's KV mount and only its own tier's prefix there; an
offshore role's policy never names an onshore mount (Decree 53/2022: personal data and the
credentials that reach it stay onshore).
"""

from __future__ import annotations

from infra.labels import vault_kv_mount
from regions import Region, Tier


def vault_policy_name(region: Region, tier: Tier) -> str:
    return f"seawall-{region.name}-{tier.value}-read"


def vault_policy_hcl(region: Region, tier: Tier) -> str:
    """Read-only access to `<region mount>/data/<tier>/*` and its metadata, nothing else."""
    mount = vault_kv_mount(region)
    return (
        f'# Seawall {tier.value} tier in {region.name} ({region.residency.value}): read its own\n'
        f'# secrets only. Managed by Pulumi; edit infra/vault_policy.py, not this text.\n'
        f'path "{mount}/data/{tier.value}/*" {{\n  capabilities = ["read"]\n}}\n'
        f'path "{mount}/metadata/{tier.value}/*" {{\n  capabilities = ["read", "list"]\n}}\n'
    )


def readable_mounts(hcl: str) -> set[str]:
    """The KV mounts a policy text grants anything on (the tests check it per region)."""
    mounts = set()
    for line in hcl.splitlines():
        line = line.strip()
        if line.startswith('path "'):
            path = line.split('"')[1]
            marker = "/data/" if "/data/" in path else "/metadata/"
            head, _, _ = path.partition(marker)
            mounts.add(head)
    return mounts
