"""The residency policy pack: each policy passes the real, planned stacks and reports a
violating input in words. Inputs are what the engine would hand the pack (type, URN, props)."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest
from infra_values import STACKS
from pulumi_policy import ResourceValidationArgs

from infra.plan import Plan
from infra.policies import residency
from infra.policies.evaluate import evaluate


def _violations(rule, resource) -> list[str]:
    found: list[str] = []
    rule(ResourceValidationArgs(resource_type=resource.type, props=resource.props,
                                urn=resource.urn, name=resource.name, opts=None, provider=None),
         lambda message, urn=None: found.append(message))
    return found


def _changed(resource, change, urn=None):
    props = copy.deepcopy(resource.props)
    change(props)
    return replace(resource, props=props, urn=urn or resource.urn)


def _deployment(plan):
    return next(r for r in plan.of_type("kubernetes:apps/v1:Deployment"))


def _pod(props):
    return props["spec"]["template"]["spec"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_shipped_stacks_pass_the_whole_pack(plans, stack):
    assert [str(v) for v in evaluate(plans[stack])] == []


def test_serving_only_onshore(plans):
    serving = _deployment(plans["onshore-hn"])
    assert _violations(residency.serving_only_onshore, serving) == []
    moved = replace(serving, urn=serving.urn.replace("urn:pulumi:onshore-hn::",
                                                     "urn:pulumi:offshore-sg::"))
    [message] = _violations(residency.serving_only_onshore, moved)
    assert "offshore-sg (offshore)" in message and "only in onshore" in message
    unknown = replace(serving, urn=serving.urn.replace("onshore-hn", "dev"))
    assert "not a region of the catalogue" in _violations(residency.serving_only_onshore,
                                                          unknown)[0]


def test_serving_is_recognised_by_label_outside_the_component(plans):
    serving = _deployment(plans["onshore-hn"])
    bare = replace(serving, urn="urn:pulumi:offshore-sg::seawall::kubernetes:apps/v1:Deployment::x")
    assert _violations(residency.serving_only_onshore, bare)


def test_monitoring_only_onshore(plans):
    [cron] = plans["onshore-hn"].of_type("kubernetes:batch/v1:CronJob")
    assert _violations(residency.monitoring_only_onshore, cron) == []
    offshore = cron.urn.replace("urn:pulumi:onshore-hn::", "urn:pulumi:offshore-sg::")
    relabelled = _changed(cron, lambda p: p["metadata"]["labels"].update(
        {"seawall.io/tier": "training"}), urn=offshore)
    [message] = _violations(residency.monitoring_only_onshore, relabelled)
    assert "offshore-sg" in message and "onshore regions with the serving tier" in message


def test_no_personal_data_offshore(plans):
    [ns] = plans["offshore-sg"].of_type("kubernetes:core/v1:Namespace")
    assert _violations(residency.no_personal_data_offshore, ns) == []
    bad = _changed(ns, lambda p: p["metadata"]["annotations"].update(
        {"seawall.io/data-classes": "anonymous,pii"}))
    [message] = _violations(residency.no_personal_data_offshore, bad)
    assert "pii" in message and "offshore region offshore-sg" in message
    config = next(r for r in plans["offshore-sg"].of_type("kubernetes:core/v1:ConfigMap"))
    bad = _changed(config, lambda p: p["data"].update({"data-classes": "pseudonymous"}))
    assert _violations(residency.no_personal_data_offshore, bad)
    # the same declaration onshore is allowed
    [onshore_ns] = plans["onshore-hn"].of_type("kubernetes:core/v1:Namespace")
    assert "pii" in onshore_ns.props["metadata"]["annotations"]["seawall.io/data-classes"]
    assert _violations(residency.no_personal_data_offshore, onshore_ns) == []


def test_images_by_digest(plans):
    job = plans["offshore-sg"].of_type("kubernetes:batch/v1:Job")[0]
    assert _violations(residency.images_by_digest, job) == []
    bad = _changed(job, lambda p: p["spec"]["template"]["spec"]["containers"][0].update(
        {"image": "registry.example/seawall:latest"}))
    [message] = _violations(residency.images_by_digest, bad)
    assert "seawall:latest" in message and "containers 'train'" in message


def test_serving_deployment_verifies_first(plans):
    serving = _deployment(plans["onshore-hn"])
    assert _violations(residency.serving_deployment_verifies_first, serving) == []
    no_init = _changed(serving, lambda p: _pod(p).pop("initContainers"))
    [message] = _violations(residency.serving_deployment_verifies_first, no_init)
    assert message.startswith(f"serving Deployment {serving.name} has no verify init container")
    for_import = _changed(serving, lambda p: _pod(p)["initContainers"][0].update(
        {"command": ["seawall", "verify", "/bundle", "--purpose", "import"]}))
    assert _violations(residency.serving_deployment_verifies_first, for_import)


def test_serving_authenticates_clients(plans):
    serving = _deployment(plans["onshore-hn"])
    rule = residency.serving_authenticates_clients
    assert _violations(rule, serving) == []

    def command(change):
        return _changed(serving, lambda p: _pod(p)["containers"][0].update(
            {"command": change(_pod(p)["containers"][0]["command"])}))

    opened = command(lambda argv: [*argv, "--insecure-no-auth"])
    assert _violations(rule, opened) == [f"serving Deployment {serving.name}, container "
                                         "'serve' runs with --insecure-no-auth"]

    def without(*flags):
        def drop(argv):
            kept, skip = [], False
            for a in argv:
                if skip:
                    skip = False
                elif a in flags:
                    skip = True
                else:
                    kept.append(a)
            return kept
        return drop

    [plain] = _violations(rule, command(without("--tls-cert")))
    assert "serves plain HTTP" in plain
    [anyone] = _violations(rule, command(without("--jwt-issuer", "--tls-client-ca")))
    assert "authenticates no client" in anyone


def test_no_egress_across_border(plans):
    policy = next(r for r in plans["onshore-hn"].of_type(
        "kubernetes:networking.k8s.io/v1:NetworkPolicy") if r.name == "netpol-allow-vault")
    assert _violations(residency.no_egress_across_border, policy) == []
    bad = _changed(policy, lambda p: p["spec"]["egress"][0]["to"].append(
        {"ipBlock": {"cidr": "10.80.4.0/24"}}))
    [message] = _violations(residency.no_egress_across_border, bad)
    assert "10.80.4.0/24" in message and "10.80.0.0/16" in message
    garbled = _changed(policy, lambda p: p["spec"]["egress"][0]["to"].append(
        {"ipBlock": {"cidr": "10.80.4.0/99"}}))
    assert "'10.80.4.0/99' is not a CIDR range" in _violations(
        residency.no_egress_across_border, garbled)[0]


def test_no_plain_secrets(plans):
    serving = _deployment(plans["onshore-hn"])
    assert _violations(residency.no_plain_secrets, serving) == []
    bad = _changed(serving, lambda p: _pod(p)["containers"][0]["env"].append(
        {"name": "DB_PASSWORD", "value": "hunter2"}))
    assert "env 'DB_PASSWORD' is a literal secret" in _violations(residency.no_plain_secrets,
                                                                  bad)[0]
    url = _changed(serving, lambda p: _pod(p)["containers"][0]["env"].append(
        {"name": "DECISION_LOG", "value": "postgresql://app:s3cret@db:5432/decisions"}))
    assert _violations(residency.no_plain_secrets, url)
    config = plans["onshore-hn"].of_type("kubernetes:core/v1:ConfigMap")[0]
    assert _violations(residency.no_plain_secrets, config) == []
    leaked = _changed(config, lambda p: p["data"].update({"vault-token": "hvs." + "x" * 24}))
    assert "key 'vault-token'" in _violations(residency.no_plain_secrets, leaked)[0]
    secret = replace(config, type="kubernetes:core/v1:Secret")
    assert "Kubernetes Secret managed by Pulumi" in _violations(residency.no_plain_secrets,
                                                                secret)[0]


def test_namespaces_default_deny(plans):
    plan = plans["onshore-hn"]
    without = Plan(stack=plan.stack, resources=[r for r in plan.resources
                                                 if r.name != "netpol-default-deny"])
    found = [v for v in evaluate(without) if v.policy == "namespaces-default-deny"]
    assert [v.message for v in found] == ["namespace seawall-serving has no default-deny "
                                          "NetworkPolicy"]
    loosened = Plan(stack=plan.stack, resources=[
        _changed(r, lambda p: p["spec"].update({"egress": [{}]}))
        if r.name == "netpol-default-deny" else r for r in plan.resources])
    assert [v.policy for v in evaluate(loosened)] == ["namespaces-default-deny"]


def test_every_policy_is_mandatory_and_documented():
    from pulumi_policy import EnforcementLevel
    assert len(residency.POLICIES) == 10
    for policy in residency.POLICIES:
        assert policy.enforcement_level is EnforcementLevel.MANDATORY
        assert policy.description
