"""`VaultAccess`: a region tier's Vault policy, Kubernetes auth role and KV mount."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_vault as vault

from infra.labels import namespace_name, vault_kv_mount, vault_role_name
from infra.vault_policy import vault_policy_hcl, vault_policy_name
from regions import Region, Tier

TOKEN_TTL = 3600


@dataclass(frozen=True, kw_only=True)
class VaultAccessArgs:
    region: Region
    tier: Tier
    auth_mount: str  # an existing Kubernetes auth mount configured for this region's cluster
    service_account: pulumi.Input[str]


class VaultAccess(pulumi.ComponentResource):
    """The region's own KV v2 mount, a read-only policy on its tier's prefix, and a role bound
    to exactly the tier's service account in the tier's namespace.

    Another region's role is bound to another policy that names another mount, so offshore
    roles can never read onshore secrets.
    """

    role: pulumi.Output[str]
    policy: pulumi.Output[str]
    mount: pulumi.Output[str]

    def __init__(self, name: str, args: VaultAccessArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("seawall:vault:VaultAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        region, tier = args.region, args.tier
        mount = vault.Mount("kv", path=vault_kv_mount(region), type="kv",
                            options={"version": "2"},
                            description=f"Seawall secrets of {region.name} "
                                        f"({region.residency.value})", opts=child)
        policy = vault.Policy("policy", name=vault_policy_name(region, tier),
                              policy=vault_policy_hcl(region, tier),
                              opts=pulumi.ResourceOptions(parent=self, depends_on=[mount]))
        role = vault.kubernetes.AuthBackendRole(
            "role", backend=args.auth_mount, role_name=vault_role_name(region, tier),
            bound_service_account_names=[args.service_account],
            bound_service_account_namespaces=[namespace_name(tier)],
            token_policies=[policy.name], token_ttl=TOKEN_TTL, token_max_ttl=4 * TOKEN_TTL,
            opts=child)
        self.role, self.policy, self.mount = role.role_name, policy.name, mount.path
        self.register_outputs({"role": self.role, "policy": self.policy, "mount": self.mount})
