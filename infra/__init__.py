"""Pulumi program, components and policy pack for Seawall's two-tier stacks.

Public API (stable)::

    from infra import load_stack, plan_stack, render, check_schemas

    config = load_stack("onshore-hn", project_dir)   # Pulumi.onshore-hn.yaml, checked
    plan = plan_stack(config)                        # the program under Pulumi's mocks
    render("onshore-hn", Path("manifests/hn"))       # schema-checked YAML for review

`pulumi up` runs `infra/__main__.py`; the policy pack is `infra/policies/`. `infra` imports
`regions` only.
"""

from infra.errors import InfraError, StackConfigError
from infra.plan import Plan, PlannedResource, plan_stack
from infra.program import build_stack
from infra.render import KUBERNETES_VERSION, SchemaCheck, check_schemas, check_stack, \
    find_project_dir, load_stack, read_stack_file, render
from infra.serving_tier import ServingTier, ServingTierArgs
from infra.stack_config import StackConfig, parse_stack_config
from infra.training_tier import TrainingTier, TrainingTierArgs
from infra.vault_access import VaultAccess, VaultAccessArgs

__all__ = [
    "KUBERNETES_VERSION",
    "InfraError",
    "Plan",
    "PlannedResource",
    "SchemaCheck",
    "ServingTier",
    "ServingTierArgs",
    "StackConfig",
    "StackConfigError",
    "TrainingTier",
    "TrainingTierArgs",
    "VaultAccess",
    "VaultAccessArgs",
    "build_stack",
    "check_schemas",
    "check_stack",
    "find_project_dir",
    "load_stack",
    "parse_stack_config",
    "plan_stack",
    "read_stack_file",
    "render",
]
