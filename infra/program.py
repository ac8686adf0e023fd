"""The Pulumi program: read the stack's config, build the tier its region allows, export.

`infra/__main__.py` calls `run()`; `seawall infra render` and the tests call `build_stack`
under Pulumi's mocks, so all three plan the very same resources.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pulumi_vault as vault

from infra.decision_log_db import Pair, cluster_name
from infra.serving_tier import ServingTier, ServingTierArgs
from infra.stack_config import LIST_KEYS, NAMESPACE, PLAIN_KEYS, StackConfig, parse_stack_config
from infra.training_tier import TrainingTier, TrainingTierArgs
from infra.vault_access import VaultAccess, VaultAccessArgs
from regions import Tier, load_catalogue


def config_from_pulumi() -> StackConfig:
    """The stack's `seawall:*` config, checked (a StackConfigError names key and rule)."""
    cfg = pulumi.Config(NAMESPACE)
    values: dict[str, Any] = {}
    for key in PLAIN_KEYS:  # numbers arrive as text; parse_stack_config checks them with the key
        if (v := cfg.get_object(key) if key in LIST_KEYS else cfg.get(key)) is not None:
            values[key] = v
    source = f"Pulumi.{pulumi.get_stack()}.yaml"
    return parse_stack_config(values, source=source, catalogue=load_catalogue())


def build_stack(config: StackConfig, kubeconfig: pulumi.Input[str]) -> dict[str, pulumi.Output]:
    """Plan the region's tier and its Vault access; return the stack outputs."""
    cluster = k8s.Provider("cluster", kubeconfig=kubeconfig)
    secrets = vault.Provider("vault", address=config.vault_address)
    on_cluster = pulumi.ResourceOptions(providers={"kubernetes": cluster})
    if config.tier is Tier.SERVING:
        tier = ServingTier(config.region.name, ServingTierArgs(config=config, pair=_pair(config)),
                           on_cluster)
        outputs = {"bundleDigest": tier.bundle_digest,
                   "decisionLogEndpoint": pulumi.Output.from_input(config.decision_log.endpoint),
                   "decisionLogCluster": pulumi.Output.from_input(
                       cluster_name(config.region.name))}
    else:
        tier = TrainingTier(config.region.name, TrainingTierArgs(config=config), on_cluster)
        outputs = {"trackingUri": tier.endpoint}
    access = VaultAccess(f"{config.region.name}-vault", VaultAccessArgs(
        region=config.region, tier=config.tier, auth_mount=config.vault_auth_mount,
        service_account=tier.service_account), pulumi.ResourceOptions(providers={"vault": secrets}))
    return {"region": pulumi.Output.from_input(config.region.name),
            "residency": pulumi.Output.from_input(config.region.residency.value),
            "jurisdiction": pulumi.Output.from_input(config.region.jurisdiction),
            "namespace": tier.namespace, "serviceEndpoint": tier.endpoint,
            "vaultRole": access.role, **outputs}


def _pair(config: StackConfig) -> Pair:
    """The DR pair's decision-log cluster: in a replica, read from the primary's stack outputs
    through a StackReference; in the primary, its pair from the catalogue and its config."""
    db = config.decision_log
    if db.replica:
        primary = pulumi.StackReference(db.primary_stack)
        return Pair(primary.get_output("region"), primary.get_output("jurisdiction"),
                    primary.get_output("decisionLogEndpoint"))
    return Pair(config.region.dr_pair, db.pair_jurisdiction, db.pair_endpoint)


def run() -> None:
    """Entry point of `pulumi up`: everything the stack exports."""
    outputs = build_stack(config_from_pulumi(),
                          pulumi.Config(NAMESPACE).require_secret("kubeconfig"))
    for name, value in outputs.items():
        pulumi.export(name, value)
