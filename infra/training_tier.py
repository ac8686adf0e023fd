"""`TrainingTier`: the offshore training tier of one region, as one Pulumi component."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from infra._k8s_resources import tier_resources
from infra.labels import namespace_name
from infra.stack_config import StackConfig
from infra.training_manifests import MLFLOW, MLFLOW_PORT, TRAINER, training_objects
from regions import Tier, require_tier


@dataclass(frozen=True, kw_only=True)
class TrainingTierArgs:
    config: StackConfig


class TrainingTier(pulumi.ComponentResource):
    """Namespace, service account, MLflow tracking server and Service, a suspended training Job
    and NetworkPolicies. Refuses to be planned where the catalogue does not allow training."""

    namespace: pulumi.Output[str]
    service_account: pulumi.Output[str]
    endpoint: pulumi.Output[str]

    def __init__(self, name: str, args: TrainingTierArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        require_tier(args.config.region, Tier.TRAINING)
        super().__init__("seawall:training:TrainingTier", name, None, opts)
        config = args.config
        self.namespace, self.service_account = tier_resources(
            self, config, Tier.TRAINING, TRAINER, training_objects(config))
        self.endpoint = pulumi.Output.from_input(
            f"http://{MLFLOW}.{namespace_name(Tier.TRAINING)}.svc.cluster.local:{MLFLOW_PORT}")
        self.register_outputs({"namespace": self.namespace, "endpoint": self.endpoint})
