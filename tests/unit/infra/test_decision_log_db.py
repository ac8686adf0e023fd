"""The decision log's database in the stacks: a CloudNativePG Cluster in onshore-hn, a replica
cluster in onshore-hcm that reads the primary's outputs through a StackReference, the schema
check against CloudNativePG's published schemas, and the residency policy on both."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest
from pulumi_policy import ResourceValidationArgs

from infra import StackConfigError, check_schemas, parse_stack_config
from infra.crd_check import unavailable
from infra.policies.dr import decision_log_db_onshore

CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster"


def cluster(plan):
    (found,) = plan.of_type(CLUSTER)
    return found


def serve_args(plan) -> list[str]:
    deployment = next(r for r in plan.of_type("kubernetes:apps/v1:Deployment")
                      if r.props["metadata"]["name"] == "seawall-serving")
    (serve,) = [c for c in deployment.props["spec"]["template"]["spec"]["containers"]
                if c["name"] == "serve"]
    return serve["args"] if "args" in serve else serve["command"]


def test_the_primary_region_commits_synchronously_to_its_dr_pair(plans):
    spec = cluster(plans["onshore-hn"]).props["spec"]
    assert spec["bootstrap"] == {"initdb": {"database": "decisions", "owner": "seawall"}}
    assert spec["replica"] == {"self": "decision-log-onshore-hn",
                               "primary": "decision-log-onshore-hn",
                               "source": "decision-log-onshore-hcm"}
    sync = spec["postgresql"]["synchronous"]
    assert sync["standbyNamesPost"] == ["decision-log-onshore-hcm"]
    assert (sync["method"], sync["number"], sync["dataDurability"]) == ("first", 2, "required")
    assert spec["enableSuperuserAccess"] is False and "@sha256:" in spec["imageName"]
    assert "--standby" not in serve_args(plans["onshore-hn"])


def test_the_dr_replica_reads_the_primarys_outputs_through_a_stack_reference(plans):
    hcm, hn = plans["onshore-hcm"], plans["onshore-hn"]
    (reference,) = hcm.of_type("pulumi:pulumi:StackReference")
    assert reference.props["name"] == "organization/seawall/onshore-hn"
    spec = cluster(hcm).props["spec"]
    assert spec["bootstrap"] == {"pg_basebackup": {"source": "decision-log-onshore-hn"}}
    assert spec["replica"]["primary"] == spec["replica"]["source"] == "decision-log-onshore-hn"
    source = next(e for e in spec["externalClusters"] if e["name"] == "decision-log-onshore-hn")
    assert source["connectionParameters"]["host"] == hn.outputs["decisionLogEndpoint"]
    assert source["connectionParameters"]["application_name"] == "decision-log-onshore-hcm"
    assert source["connectionParameters"]["sslmode"] == "verify-full"
    notes = cluster(hcm).props["metadata"]["annotations"]
    assert notes["seawall.io/dr-pair-jurisdiction"] == hn.outputs["jurisdiction"] == "VN"
    assert "--standby" in serve_args(hcm)  # ready only once its database is promoted


@pytest.mark.skipif(bool(unavailable()), reason=f"{unavailable()}; .ci/run installs them")
def test_the_clusters_are_checked_against_cloudnative_pgs_schema(plans):
    for stack in ("onshore-hn", "onshore-hcm"):
        obj = cluster(plans[stack]).props
        (check,) = [c for c in check_schemas([obj]) if c.kind == "Cluster"]
        assert check.checked and check.problem is None
    broken = copy.deepcopy(cluster(plans["onshore-hn"]).props)
    broken["spec"]["instances"] = "three"
    broken["spec"]["replica"]["primary"] = 7
    (check,) = check_schemas([broken])
    assert check.checked and "instances" in check.problem


def _violations(resource) -> list[str]:
    found: list[str] = []
    decision_log_db_onshore(ResourceValidationArgs(
        resource_type=resource.type, props=resource.props, urn=resource.urn, name=resource.name,
        opts=None, provider=None), lambda message, urn=None: found.append(message))
    return found


def _changed(resource, change=None, urn=None):
    props = copy.deepcopy(resource.props)
    if change:
        change(props)
    return replace(resource, props=props, urn=urn or resource.urn)


def test_the_policy_refuses_a_dr_replica_outside_vietnam(plans):
    replica = cluster(plans["onshore-hcm"])
    assert _violations(replica) == []
    offshore = _changed(replica, urn=replica.urn.replace("urn:pulumi:onshore-hcm::",
                                                         "urn:pulumi:offshore-sg::"))
    assert "runs only in onshore regions" in _violations(offshore)[0]

    def abroad(props):
        props["metadata"]["annotations"]["seawall.io/dr-pair-jurisdiction"] = "SG"
    assert "stays in VN" in _violations(_changed(replica, abroad))[0]

    def other_pair(props):
        props["metadata"]["annotations"]["seawall.io/dr-pair-region"] = "offshore-sg"
    assert "catalogued DR pair is 'onshore-hn'" in _violations(_changed(replica, other_pair))[0]

    def by_tag(props):
        props["spec"]["imageName"] = "ghcr.io/cloudnative-pg/postgresql:16"
    assert "not pinned by digest" in _violations(_changed(replica, by_tag))[0]

    def across(props):
        props["spec"]["externalClusters"][1]["connectionParameters"]["host"] = "10.80.0.5"
    assert "across the border" in _violations(_changed(replica, across))[0]


@pytest.mark.parametrize(("change", "key", "words"), [
    ({"drPrimaryStack": "organization/seawall/offshore-sg", "drPairEndpoint": None},
     "drPrimaryStack", "DR pair in the catalogue is 'onshore-hcm'"),
    ({"drPrimaryStack": "a/b/c/d", "drPairEndpoint": None}, "drPrimaryStack",
     "must be a stack name"),
    ({"drPrimaryStack": "organization/seawall/onshore-hcm"}, "drPairEndpoint",
     "reads its primary's endpoint"),
    ({"decisionLogStorage": "lots"}, "decisionLogStorage", "like 20Gi"),
    ({"decisionLogImage": "ghcr.io/cloudnative-pg/postgresql:16"}, "decisionLogImage",
     "pinned by digest"),
    ({"drPairEndpoint": None}, "drPairEndpoint", "is required"),
])
def test_bad_database_config_is_refused_naming_the_key(onshore_values, catalogue, change, key,
                                                       words):
    values = {k: v for k, v in {**onshore_values, **change}.items() if v is not None}
    with pytest.raises(StackConfigError) as e:
        parse_stack_config(values, source="Pulumi.test.yaml", catalogue=catalogue)
    assert e.value.key == key and words in str(e.value)


def test_an_offshore_stack_may_not_configure_a_decision_log_database(catalogue):
    values = {"region": "offshore-sg", "image": "r.example/s@sha256:" + "ab" * 32,
              "vaultAddress": "https://v:8200", "vaultCidr": "10.20.250.0/28",
              "artifactStoreCidr": "10.20.251.0/24", "dataClasses": ["anonymous"],
              "decisionLogImage": "r.example/pg@sha256:" + "ab" * 32}
    with pytest.raises(StackConfigError) as e:
        parse_stack_config(values, source="Pulumi.test.yaml", catalogue=catalogue)
    assert e.value.key == "decisionLogImage" and "offshore" in str(e.value)
