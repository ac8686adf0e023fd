"""`ServingTier`: the onshore serving tier of one region, as one Pulumi component."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from infra._k8s_resources import tier_resources
from infra.decision_log_db import Pair, decision_log_cluster
from infra.labels import namespace_name
from infra.serving_manifests import APP, serving_objects
from infra.stack_config import StackConfig
from regions import Tier, require_tier


@dataclass(frozen=True, kw_only=True)
class ServingTierArgs:
    config: StackConfig
    pair: Pair  # the DR pair's decision-log cluster (from the primary's stack in a replica)


class ServingTier(pulumi.ComponentResource):
    """Namespace, service account, bundle ConfigMap, Deployments (stable and canary) that verify
    before serving, Service, HPA, PDB, NetworkPolicies, ServiceMonitor, PrometheusRule and the
    decision log's CloudNativePG Cluster (primary, or the DR pair's replica).

    Refuses (ResidencyError) to be planned in a region whose catalogue entry does not allow
    serving, before any child resource exists.
    """

    namespace: pulumi.Output[str]
    service_account: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    bundle_digest: pulumi.Output[str]

    def __init__(self, name: str, args: ServingTierArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        require_tier(args.config.region, Tier.SERVING)
        super().__init__("seawall:serving:ServingTier", name, None, opts)
        config = args.config
        objects = {**serving_objects(config),
                   "decision-log-db": decision_log_cluster(config, args.pair)}
        self.namespace, self.service_account = tier_resources(
            self, config, Tier.SERVING, APP, objects)
        self.endpoint = pulumi.Output.from_input(
            f"http://{APP}.{namespace_name(Tier.SERVING)}.svc.cluster.local")
        assert config.bundle is not None
        self.bundle_digest = pulumi.Output.from_input(config.bundle.digest)
        self.register_outputs({"namespace": self.namespace, "endpoint": self.endpoint,
                               "bundle_digest": self.bundle_digest})
