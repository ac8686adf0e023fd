"""Entry point the Pulumi engine starts for `--policy-pack infra/policies`."""

from pulumi_policy import EnforcementLevel, PolicyPack

from infra.policies.residency import POLICIES

PolicyPack(name="seawall-residency", enforcement_level=EnforcementLevel.MANDATORY,
           policies=POLICIES)
