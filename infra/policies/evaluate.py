"""Run the policy pack over a mocked plan, without the Pulumi engine.

The engine calls each policy with the resources it is about to create; here the same policy
functions get the same (type, URN, inputs) from `infra.plan_stack`, so `seawall infra render`
and the tests enforce exactly what `pulumi up --policy-pack infra/policies` would.
"""

from __future__ import annotations

from dataclasses import dataclass

from pulumi_policy import (
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
)

from infra.plan import Plan
from infra.policies.residency import POLICIES


@dataclass(frozen=True)
class PolicyViolation:
    policy: str
    message: str
    urn: str | None = None

    def __str__(self) -> str:
        return f"[{self.policy}] {self.message}"


def evaluate(plan: Plan, policies: list = POLICIES) -> list[PolicyViolation]:
    """Every violation of `policies` in `plan`, in policy order."""
    found: list[PolicyViolation] = []
    resources = [r for r in plan.resources if not r.type.startswith("pulumi:providers:")]
    for policy in policies:
        def report(message: str, urn: str | None = None, _name: str = policy.name) -> None:
            found.append(PolicyViolation(_name, message, urn))

        if isinstance(policy, ResourceValidationPolicy):
            for r in resources:
                policy.validate(ResourceValidationArgs(
                    resource_type=r.type, props=r.props, urn=r.urn, name=r.name,
                    opts=None, provider=None), report)
        else:
            stack = [PolicyResource(resource_type=r.type, props=r.props, urn=r.urn,
                                    name=r.name, opts=None, provider=None, parent=None,
                                    dependencies=[], property_dependencies={})
                     for r in resources]
            policy.validate(StackValidationArgs(resources=stack), report)
    return found
