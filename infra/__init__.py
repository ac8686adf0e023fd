"""Pulumi program, components and policy pack for Seawall's two-tier stacks.

Public API (stable)::

    from infra import load_stack, plan_stack, render, check_schemas

    config = load_stack("onshore-hn", project_dir)   # Pulumi.onshore-hn.yaml, checked
    plan = plan_stack(config)                        # the program under Pulumi's mocks
    render("onshore-hn", Path("manifests/hn"))       # schema-checked YAML for review

`pulumi up` runs `infra/__main__.py`; the policy pack is `infra/policies/`; the DR drill is
`infra.drill`. `infra` imports `regions` and artifacts' documents (the drill also reads the
ledger).
"""

from infra.errors import InfraError, StackConfigError
from infra.stack_config import StackConfig, parse_stack_config
from regions import _exports

# Everything that imports Pulumi loads on first use, so `seawall --help` and the other commands
# do not pay for the Pulumi SDKs (PEP 562).
_LAZY = {
    "Plan": "infra.plan", "PlannedResource": "infra.plan", "plan_stack": "infra.plan",
    "build_stack": "infra.program",
    "KUBERNETES_VERSION": "infra.rendering", "SchemaCheck": "infra.rendering",
    "check_schemas": "infra.rendering", "check_stack": "infra.rendering",
    "find_project_dir": "infra.rendering", "load_stack": "infra.rendering",
    "read_stack_file": "infra.rendering", "render": "infra.rendering",
    "ServingTier": "infra.serving_tier", "ServingTierArgs": "infra.serving_tier",
    "TrainingTier": "infra.training_tier", "TrainingTierArgs": "infra.training_tier",
    "VaultAccess": "infra.vault_access", "VaultAccessArgs": "infra.vault_access",
}


__getattr__, __dir__ = _exports.lazy_exports(__name__, _LAZY)


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
