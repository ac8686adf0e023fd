"""The tamper corpus: every way a bundle can be changed after signing is rejected, each with the
right reason, and the clean bundle never is. Real keys, certificates and model-signing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from signing_helpers import rewrite, trust_key

from artifacts.bundle import CONTENT_FILES, MANIFEST, PROFILE_FILE, SIGNATURE
from artifacts.signing import Method, SignRequest, sign_bundle, verify_bundle
from regions import load_catalogue

REGION = "onshore-hn"


@pytest.fixture
def signed(bundle, tmp_path, catalogue_dir):
    """A bundle signed by a key onshore-hn trusts, and a verify function for it."""
    home = tmp_path / "signer"
    trust_key(catalogue_dir, REGION, home)
    sign_bundle(SignRequest(bundle=bundle, home=home))

    def verify(region=REGION, **kw):
        return verify_bundle(bundle, catalogue=load_catalogue(catalogue_dir), region=region, **kw)

    return bundle, home, verify


def _first_failure(report):
    failed = [c for c in report.checks if c.passed is False]
    assert failed, report.to_text()
    return failed[0]


def test_the_clean_bundle_passes_every_check(signed):
    bundle, _, verify = signed
    report = verify()
    assert report.passed, report.to_text()
    assert [c.name for c in report.checks] == ["signer", "signature", "digests", "manifest",
                                               "preprocessor", "golden"]
    assert report.signer.trusted_as == "offshore-release"


@pytest.mark.parametrize("name", [*CONTENT_FILES, PROFILE_FILE, MANIFEST])
def test_flipping_one_byte_of_any_file_is_rejected_naming_it(signed, name):
    bundle, _, verify = signed
    data = bytearray((bundle / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (bundle / name).write_bytes(bytes(data))
    failed = _first_failure(verify())
    assert failed.name == "digests"
    assert failed.details == [f"{name}: changed (its bytes differ from the signed digest)"]


@pytest.mark.parametrize("at", [0, 1, 2, -2, -1])  # structure: braces, quotes, the newline
def test_a_manifest_that_no_longer_parses_is_a_verdict_naming_it(signed, at):
    """Where the flipped byte lands depends on the manifest's content (its temp paths): one that
    breaks the JSON must still be a verdict on the file, not an error from reading it."""
    bundle, _, verify = signed
    data = bytearray((bundle / MANIFEST).read_bytes())
    data[at] ^= 0x01
    (bundle / MANIFEST).write_bytes(bytes(data))
    report = verify()
    failed = _first_failure(report)
    assert not report.passed and failed.name == "digests"
    assert failed.details == [f"{MANIFEST}: changed (its bytes differ from the signed digest)"]


def test_flipping_a_byte_of_the_signature_is_rejected(signed):
    bundle, _, verify = signed
    doc = json.loads((bundle / SIGNATURE).read_text())
    sig = doc["dsseEnvelope"]["signatures"][0]["sig"]
    doc["dsseEnvelope"]["signatures"][0]["sig"] = ("B" if sig[10] != "B" else "C").join(
        (sig[:10], sig[11:]))
    (bundle / SIGNATURE).write_text(json.dumps(doc))
    failed = _first_failure(verify())
    assert failed.name == "signature" and failed.details[0].startswith(f"{SIGNATURE}:")


def test_truncated_added_and_removed_files_are_rejected(signed):
    bundle, _, verify = signed
    (bundle / "model.onnx").write_bytes((bundle / "model.onnx").read_bytes()[:100])
    (bundle / "notes.txt").write_text("harmless?")
    (bundle / "golden_set.json").unlink()
    failed = _first_failure(verify())
    assert failed.name == "digests"
    assert failed.details == ["model.onnx: changed (its bytes differ from the signed digest)",
                              "golden_set.json: signed but missing",
                              "notes.txt: present but not signed (added)"]


def test_an_edited_manifest_is_rejected(signed):
    bundle, _, verify = signed
    manifest = json.loads((bundle / MANIFEST).read_text())
    manifest["origin_region"] = "onshore-hn"  # pretend the model was trained onshore
    (bundle / MANIFEST).write_text(json.dumps(manifest, indent=2))
    failed = _first_failure(verify())
    assert failed.name == "digests" and failed.details[0].startswith(f"{MANIFEST}: changed")


def test_another_bundles_signature_is_rejected(signed, tmp_path, pristine_bundle):
    bundle, home, verify = signed
    other = tmp_path / "other"
    shutil.copytree(pristine_bundle, other)
    rewrite(other, "model_card.json", lambda d: d.update(owner="someone else"))
    sign_bundle(SignRequest(bundle=other, home=home))  # valid, by the same trusted key
    shutil.copyfile(other / SIGNATURE, bundle / SIGNATURE)
    report = verify()
    assert report.check("signature").passed is True
    failed = _first_failure(report)
    assert failed.name == "digests"
    assert failed.details == [f"{MANIFEST}: changed (its bytes differ from the signed digest)",
                              "model_card.json: changed (its bytes differ from the signed digest)"]


def test_re_signing_with_an_untrusted_key_is_rejected(signed, tmp_path):
    bundle, _, verify = signed
    signed_by = sign_bundle(SignRequest(bundle=bundle, home=tmp_path / "intruder", replace=True))
    failed = _first_failure(verify())
    assert failed.name == "signer"
    assert signed_by.signer.removeprefix("key ") in failed.details[0]
    assert "is not in onshore-hn's trust policy" in failed.details[0]


def test_a_key_trusted_only_by_another_region_is_rejected_here(bundle, tmp_path, catalogue_dir):
    home = tmp_path / "hcm-signer"
    trust_key(catalogue_dir, "onshore-hcm", home)
    sign_bundle(SignRequest(bundle=bundle, home=home))
    catalogue = load_catalogue(catalogue_dir)
    assert verify_bundle(bundle, catalogue=catalogue, region="onshore-hcm").passed
    failed = _first_failure(verify_bundle(bundle, catalogue=catalogue, region=REGION))
    assert failed.name == "signer" and "not in onshore-hn's trust policy" in failed.details[0]


def test_a_signer_trusted_for_another_purpose_is_rejected(bundle, tmp_path, catalogue_dir):
    home = tmp_path / "serve-only"
    trust_key(catalogue_dir, REGION, home, purposes=("serve",))
    sign_bundle(SignRequest(bundle=bundle, home=home))
    report = verify_bundle(bundle, catalogue=load_catalogue(catalogue_dir), region=REGION)
    failed = _first_failure(report)
    assert failed.name == "signer" and "only for ['serve']" in failed.details[0]


def test_an_unsigned_bundle_is_rejected(bundle, catalogue_dir):
    report = verify_bundle(bundle, catalogue=load_catalogue(catalogue_dir), region=REGION)
    assert _first_failure(report).details == [f"{SIGNATURE}: the bundle is not signed "
                                              "(no model.sig)"]


def test_the_packaged_policies_trust_nobody(signed):
    bundle, _, _ = signed
    report = verify_bundle(bundle, catalogue=load_catalogue(), region=REGION)
    assert _first_failure(report).name == "signer"


def test_a_golden_set_that_no_longer_replays_is_rejected_even_when_signed(signed):
    bundle, home, verify = signed
    rewrite(bundle, "golden_set.json",
            lambda g: g["expected"]["probability"].__setitem__(3, 0.5))
    rewrite(bundle, "golden_set.json",
            lambda g: g["expected"]["reason_codes"].__setitem__(5, ["AGE"]))
    sign_bundle(SignRequest(bundle=bundle, home=home, replace=True))
    failed = _first_failure(verify())
    assert failed.name == "golden"
    assert "1 of 1000 rows differ by more than 1e-05 (worst: row 3" in failed.details[0]
    assert "reason codes differ on 1 rows (first: row 5" in failed.details[1]


def test_a_model_card_with_another_preprocessor_hash_is_rejected(signed):
    bundle, home, verify = signed
    rewrite(bundle, "model_card.json", lambda c: c.update(preprocessor_sha256="0" * 64))
    sign_bundle(SignRequest(bundle=bundle, home=home, replace=True))
    failed = _first_failure(verify())
    assert failed.name == "preprocessor"
    assert failed.details[0].startswith("model_card.json: preprocessor_sha256 is 000")


def test_against_finds_the_copy_that_differs(signed, tmp_path):
    bundle, _, verify = signed
    copy = tmp_path / "copy"
    shutil.copytree(bundle, copy)
    assert verify(against=copy).passed
    (copy / "reason_codes.json").write_text("{}")
    failed = _first_failure(verify(against=copy))
    assert failed.name == "against" and failed.details[0].startswith("reason_codes.json: sha256")


@pytest.mark.parametrize("case", ["expired", "rogue"])
def test_expired_or_wrongly_issued_certificates_are_rejected(bundle, pki, catalogue_dir, case):
    _trust_pki(catalogue_dir, pki)
    key, cert, ca = (pki.expired_key, pki.expired_cert, pki.root) if case == "expired" else \
        (pki.rogue_key, pki.rogue_cert, pki.rogue_ca)
    sign_bundle(SignRequest(bundle=bundle, method=Method.CERTIFICATE, key=key, certificate=cert,
                            chain=(ca,)))
    report = verify_bundle(bundle, catalogue=load_catalogue(catalogue_dir), region=REGION)
    failed = _first_failure(report)
    assert report.check("signer").passed is True  # same subject and issuer names...
    assert failed.name == "signature"               # ...but not a valid certificate
    expected = "expired on" if case == "expired" else "X509StoreContextError"
    assert expected in failed.details[0], failed.details


def test_a_valid_bank_certificate_is_accepted(bundle, pki, catalogue_dir):
    _trust_pki(catalogue_dir, pki)
    sign_bundle(SignRequest(bundle=bundle, method=Method.CERTIFICATE, key=pki.key,
                            certificate=pki.cert, chain=(pki.root,)))
    report = verify_bundle(bundle, catalogue=load_catalogue(catalogue_dir), region=REGION)
    assert report.passed, report.to_text()
    assert report.signer.claimed == f"certificate '{pki.subject}' issued by '{pki.issuer}'"


def _trust_pki(catalogue_dir: Path, pki) -> None:
    from artifacts.signing.trust import add_signer

    add_signer(catalogue_dir / "trust" / f"{REGION}.yaml", REGION, {
        "name": "bank-mrm", "kind": "certificate", "subject": pki.subject, "issuer": pki.issuer,
        "roots": pki.root.read_text(), "purposes": ["import"]})
