"""Trust-policy files: every malformed entry is refused naming the file, field and rule."""

from __future__ import annotations

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ec

from artifacts.errors import TrustPolicyError
from artifacts.signing import Purpose, add_signer, fingerprint, load_trust_policy, public_pem
from regions import load_catalogue

REGION = "onshore-hn"


def _key_entry(**changes):
    pem = public_pem(ec.generate_private_key(ec.SECP256R1()).public_key()).decode()
    return {"name": "k", "kind": "key", "fingerprint": fingerprint(pem.encode()),
            "public_key": pem, "purposes": ["import"], **changes}


def _policy(catalogue_dir):
    return catalogue_dir / "trust" / f"{REGION}.yaml"


def test_packaged_policies_exist_and_trust_nobody():
    catalogue = load_catalogue()
    for region in catalogue:
        assert load_trust_policy(catalogue, region.name).signers == ()


def test_an_added_signer_is_trusted_for_its_purposes_and_models_only(catalogue_dir):
    add_signer(_policy(catalogue_dir), REGION, _key_entry(models=["uci-*"]))
    (signer,) = load_trust_policy(load_catalogue(catalogue_dir), REGION).signers
    assert signer.allows(Purpose.IMPORT, "uci-credit-default")
    assert not signer.allows(Purpose.SERVE, "uci-credit-default")
    assert not signer.allows(Purpose.IMPORT, "mortgage")


@pytest.mark.parametrize("changes, field, rule", [
    ({"kind": "password"}, "signers[0].kind", "must be one of"),
    ({"fingerprint": "sha256:" + "0" * 64}, "signers[0].fingerprint", "does not match"),
    ({"public_key": "not a key"}, "signers[0].public_key", "PEM public key"),
    ({"purposes": ["everything"]}, "signers[0].purposes", "at least one of"),
    ({"models": "uci-*"}, "signers[0].models", "list of model-name patterns"),
    ({"subject": "CN=x"}, "signers[0].subject", "is not a field of a key signer"),
])
def test_malformed_entries_name_file_field_and_rule(catalogue_dir, changes, field, rule):
    path = _policy(catalogue_dir)
    with pytest.raises(TrustPolicyError) as e:
        add_signer(path, REGION, _key_entry(**changes))
    assert str(e.value).startswith(f"{path}: {field}: ") and rule in str(e.value)
    assert "signers: []" in path.read_text()  # the file is untouched


def test_missing_fields_and_wrong_region_are_refused(catalogue_dir):
    path = _policy(catalogue_dir)
    entry = _key_entry()
    del entry["fingerprint"]
    with pytest.raises(TrustPolicyError, match=r"signers\[0\].fingerprint: is required"):
        add_signer(path, REGION, entry)
    doc = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump({**doc, "region": "onshore-hcm"}))
    with pytest.raises(TrustPolicyError, match="region: must be 'onshore-hn'"):
        load_trust_policy(load_catalogue(catalogue_dir), REGION)


def test_duplicate_names_are_refused(catalogue_dir):
    add_signer(_policy(catalogue_dir), REGION, _key_entry())
    with pytest.raises(TrustPolicyError, match="the name 'k' is used twice"):
        add_signer(_policy(catalogue_dir), REGION, _key_entry())
