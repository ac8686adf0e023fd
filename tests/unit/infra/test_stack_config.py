"""Reading a stack's config: every shipped stack parses; every bad value names key and rule."""

from __future__ import annotations

import pytest
from infra_values import DIGEST, PROJECT, STACKS

from infra import StackConfigError, load_stack, parse_stack_config, read_stack_file
from regions import DataClass, Tier


@pytest.mark.parametrize("stack", STACKS)
def test_shipped_stack_files_parse_into_the_tier_their_region_allows(stack, catalogue):
    config = load_stack(stack, PROJECT, catalogue)
    assert config.region.name == stack
    assert config.tier is (Tier.TRAINING if stack.startswith("offshore") else Tier.SERVING)
    assert (config.bundle is None) == stack.startswith("offshore")
    assert all(not net.overlaps(config.vault_cidr) for net in config.forbidden_ranges
               if net.version == config.vault_cidr.version)


def test_the_kubeconfig_is_declared_secret_and_never_read_from_a_stack_file(tmp_path):
    stack = tmp_path / "Pulumi.onshore-hn.yaml"
    stack.write_text("config:\n  seawall:region: onshore-hn\n"
                     "  seawall:kubeconfig:\n    secure: v1:abc\n  aws:region: x\n")
    assert read_stack_file(stack) == {"region": "onshore-hn"}


def _error(values, catalogue) -> StackConfigError:
    with pytest.raises(StackConfigError) as e:
        parse_stack_config(values, source="Pulumi.test.yaml", catalogue=catalogue)
    assert str(e.value).startswith("Pulumi.test.yaml: config '")
    return e.value


@pytest.mark.parametrize(("change", "key", "words"), [
    ({"image": "registry.example.vn/seawall:1.0"}, "image", "pinned by digest"),
    ({"bundleDigest": "sha256:XYZ"}, "bundleDigest", "64 lowercase hex"),
    ({"bundleUri": "s3://bucket/uci"}, "bundleUri", "pvc://"),
    ({"bundleUri": "pvc://claim/../etc"}, "bundleUri", "'..'"),
    ({"vaultCidr": "10.80.1.0/24"}, "vaultCidr", "across the border"),
    ({"artifactStoreCidr": "not-a-cidr"}, "artifactStoreCidr", "CIDR"),
    ({"dataClasses": ["pii", "secret-sauce"]}, "dataClasses", "unknown data class"),
    ({"replicas": 4, "maxReplicas": 2}, "maxReplicas", "at least replicas"),
    ({"replicas": 0}, "replicas", ">= 1"),
    ({"replicas": "three"}, "replicas", "whole number"),  # pulumi.Config hands numbers as text
    ({"canaryBundleUri": "pvc://c/uci/1.1"}, "canaryBundleDigest", "required"),
    ({"colour": "blue"}, "colour", "unknown key"),
    ({"region": "mars-1"}, "region", "unknown region"),
])
def test_a_bad_value_is_refused_naming_the_key_and_the_rule(onshore_values, catalogue, change,
                                                            key, words):
    error = _error({**onshore_values, **change}, catalogue)
    assert error.key == key and words in error.rule


def test_a_missing_required_key_is_named(onshore_values, catalogue):
    del onshore_values["bundleDigest"]
    assert _error(onshore_values, catalogue).key == "bundleDigest"


def test_an_offshore_stack_may_not_configure_a_serving_bundle(catalogue):
    values = {"region": "offshore-sg", "image": f"r.example/s@{DIGEST}",
              "vaultAddress": "https://v:8200", "vaultCidr": "10.80.250.0/28",
              "artifactStoreCidr": "10.80.251.0/24", "dataClasses": ["anonymous"],
              "bundleUri": "pvc://b/uci/1.0.0"}
    error = _error(values, catalogue)
    assert error.key == "bundleUri" and "may not serve" in error.rule


def test_an_offshore_stack_may_not_declare_personal_data(catalogue):
    values = {"region": "offshore-sg", "image": f"r.example/s@{DIGEST}",
              "vaultAddress": "https://v:8200", "vaultCidr": "10.80.250.0/28",
              "artifactStoreCidr": "10.80.251.0/24", "dataClasses": ["anonymous", "pii"]}
    error = _error(values, catalogue)
    assert error.key == "dataClasses" and "pii" in error.rule


def test_an_offshore_stack_may_not_reach_onshore_ranges(catalogue):
    values = {"region": "offshore-sg", "image": f"r.example/s@{DIGEST}",
              "vaultAddress": "https://v:8200", "vaultCidr": "10.10.250.0/28",
              "artifactStoreCidr": "10.80.251.0/24", "dataClasses": ["anonymous"]}
    assert _error(values, catalogue).key == "vaultCidr"


def test_an_unreadable_stack_file_is_one_clear_error(tmp_path):
    (tmp_path / "Pulumi.onshore-hn.yaml").mkdir()
    with pytest.raises(StackConfigError, match="cannot read the stack file"):
        read_stack_file(tmp_path / "Pulumi.onshore-hn.yaml")


def test_a_stack_file_naming_another_region_is_refused(tmp_path, catalogue):
    text = (PROJECT / "Pulumi.onshore-hcm.yaml").read_text()
    (tmp_path / "Pulumi.onshore-hn.yaml").write_text(text)
    with pytest.raises(StackConfigError, match="names region 'onshore-hcm' but the stack is "
                                               "'onshore-hn'"):
        load_stack("onshore-hn", tmp_path, catalogue)


def test_canary_config_is_read_with_its_default_replicas(onshore_values, catalogue):
    config = parse_stack_config({**onshore_values, "canaryBundleUri": "pvc://c/uci/1.1.0",
                                 "canaryBundleDigest": DIGEST}, source="s", catalogue=catalogue)
    assert config.canary.replicas == 1 and config.canary.bundle.path == "uci/1.1.0"
    assert config.data_classes == {DataClass.PII, DataClass.ANONYMOUS}


@pytest.mark.parametrize(("changes", "key", "rule"), [
    ({"jwtIssuer": None}, "jwtIssuer", "a serving stack authenticates its clients"),
    ({"jwtIssuer": "http://idp.example.vn"}, "jwtIssuer", "must be an https:// URL"),
    ({"jwtIssuer": None, "mtls": "yes"}, "mtls", "must be true or false"),
    ({"jwtIssuer": None, "jwtAudience": "x", "mtls": True}, "jwtAudience", "only used with"),
])
def test_a_serving_stack_must_authenticate_its_clients(onshore_values, catalogue, changes, key,
                                                        rule):
    values = {k: v for k, v in {**onshore_values, **changes}.items() if v is not None}
    error = _error(values, catalogue)
    assert error.key == key and rule in error.rule


def test_client_auth_is_read_from_text_as_pulumi_gives_it(onshore_values, catalogue):
    values = {**onshore_values, "mtls": "true", "jwtAudience": "scoring"}
    auth = parse_stack_config(values, source="s", catalogue=catalogue).auth
    assert (auth.jwt_issuer, auth.jwt_audience, auth.mtls) == (
        "https://idp.example.vn/realms/credit", "scoring", True)
    only_mtls = {k: v for k, v in values.items() if k not in ("jwtIssuer", "jwtAudience")}
    auth = parse_stack_config(only_mtls, source="s", catalogue=catalogue).auth
    assert auth.jwt_issuer is None and auth.mtls


def test_an_offshore_stack_may_not_configure_client_auth(catalogue):
    values = {"region": "offshore-sg", "image": f"r.example/s@{DIGEST}",
              "vaultAddress": "https://v:8200", "vaultCidr": "10.80.250.0/28",
              "artifactStoreCidr": "10.80.251.0/24", "dataClasses": ["anonymous"],
              "mtls": True}
    error = _error(values, catalogue)
    assert error.key == "mtls" and "may not serve" in error.rule
