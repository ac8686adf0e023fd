"""`sign_bundle` with every method against real keys, a real SoftHSM2 token and the
model_signing CLI; Sigstore keyless up to its first network call."""

from __future__ import annotations

import base64
import json
import stat
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest
from signing_helpers import trust_key

from artifacts.bundle import SIGNATURE
from artifacts.errors import SigningError
from artifacts.signing import (
    PIN_ENV,
    Hashing,
    Method,
    SignRequest,
    add_signer,
    ensure_local_key,
    pkcs11_public_pem,
    sign_bundle,
    verify_bundle,
)
from regions import load_catalogue

MODEL_SIGNING = str(Path(sys.executable).with_name("model_signing"))


def _statement(bundle: Path) -> dict:
    doc = json.loads((bundle / SIGNATURE).read_text())
    assert doc["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    assert doc["dsseEnvelope"]["payloadType"] == "application/vnd.in-toto+json"
    return json.loads(base64.b64decode(doc["dsseEnvelope"]["payload"]))


def _cli_verify(bundle: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([MODEL_SIGNING, "verify", *args, str(bundle), "--signature",
                           str(bundle / SIGNATURE)], capture_output=True, text=True)


def test_the_local_key_is_created_once_with_mode_0600_and_never_printed(tmp_path):
    key = ensure_local_key(tmp_path / "home")
    assert key.created and stat.S_IMODE(key.private.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.private.parent.stat().st_mode) == 0o700
    again = ensure_local_key(tmp_path / "home")
    assert not again.created and again.fingerprint == key.fingerprint
    key.private.chmod(0o644)
    with pytest.raises(SigningError, match="readable by others"):
        ensure_local_key(tmp_path / "home")


def test_key_signature_covers_every_file_and_verifies_with_the_model_signing_cli(bundle, tmp_path):
    signed = sign_bundle(SignRequest(bundle=bundle, home=tmp_path / "home"))
    statement = _statement(bundle)
    names = {r["name"] for r in statement["predicate"]["resources"]}
    assert names == {p.name for p in bundle.iterdir()} - {SIGNATURE}
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert signed.signer == "key " + ensure_local_key(tmp_path / "home").fingerprint
    public = tmp_path / "home" / "keys" / "signing-key.pub"
    result = _cli_verify(bundle, "key", "--public_key", str(public))
    assert result.returncode == 0 and "Verification succeeded" in result.stdout, result.stderr
    (bundle / "model.onnx").write_bytes(b"not the model")
    assert _cli_verify(bundle, "key", "--public_key", str(public)).returncode == 1


def test_certificate_signature_verifies_with_the_model_signing_cli(bundle, pki):
    sign_bundle(SignRequest(bundle=bundle, method=Method.CERTIFICATE, key=pki.key,
                            certificate=pki.cert, chain=(pki.root,)))
    result = _cli_verify(bundle, "certificate", "--certificate_chain", str(pki.root))
    assert result.returncode == 0, result.stderr
    result = _cli_verify(bundle, "certificate", "--certificate_chain", str(pki.rogue_ca))
    assert result.returncode == 1


def test_pkcs11_key_in_softhsm_signs_and_each_region_decides(bundle, softhsm, catalogue_dir,
                                                              monkeypatch, tmp_path):
    monkeypatch.setenv(PIN_ENV, softhsm.pin)
    signed = sign_bundle(SignRequest(bundle=bundle, method=Method.PKCS11, pkcs11_uri=softhsm.uri))
    pem = pkcs11_public_pem(softhsm.uri)
    (tmp_path / "hsm.pub").write_bytes(pem)
    result = _cli_verify(bundle, "key", "--public_key", str(tmp_path / "hsm.pub"))
    assert result.returncode == 0, result.stderr
    from artifacts.signing.keys import fingerprint

    add_signer(catalogue_dir / "trust" / "onshore-hn.yaml", "onshore-hn", {
        "name": "offshore-hsm", "kind": "key", "fingerprint": fingerprint(pem),
        "public_key": pem.decode(), "purposes": ["import"]})
    catalogue = load_catalogue(catalogue_dir)
    assert signed.signer == "key " + fingerprint(pem)
    assert verify_bundle(bundle, catalogue=catalogue, region="onshore-hn").passed
    assert not verify_bundle(bundle, catalogue=catalogue, region="onshore-hcm").passed


def test_pkcs11_errors_are_clear_and_never_show_the_pin(bundle, softhsm, monkeypatch):
    monkeypatch.setenv(PIN_ENV, "975319")
    with pytest.raises(SigningError) as e:
        sign_bundle(SignRequest(bundle=bundle, method=Method.PKCS11, pkcs11_uri=softhsm.uri))
    assert "cannot be used" in str(e.value) and "975319" not in str(e.value)
    assert not (bundle / SIGNATURE).exists()
    with pytest.raises(SigningError, match="needs --pkcs11-uri"):
        sign_bundle(SignRequest(bundle=bundle, method=Method.PKCS11))


def test_sharded_hashing_verifies_in_seawall(bundle, tmp_path, catalogue_dir):
    home = tmp_path / "home"
    trust_key(catalogue_dir, "onshore-hn", home)
    signed = sign_bundle(SignRequest(bundle=bundle, home=home, hashing=Hashing.SHARDS))
    assert signed.hashing == "sha256, shards"
    assert _statement(bundle)["predicate"]["serialization"]["method"] == "shards"
    report = verify_bundle(bundle, catalogue=load_catalogue(catalogue_dir), region="onshore-hn")
    assert report.passed, report.to_text()
    (bundle / "contract.json").write_bytes((bundle / "contract.json").read_bytes()[:-10])
    report = verify_bundle(bundle, catalogue=load_catalogue(catalogue_dir), region="onshore-hn")
    assert report.check("digests").details == [
        "contract.json: changed (its bytes differ from the signed digest)"]


def test_signing_refuses_a_bundle_that_does_not_match_its_manifest(bundle, tmp_path):
    (bundle / "reason_codes.json").write_text("{}")
    with pytest.raises(SigningError, match="reason_codes.json: expected sha256"):
        sign_bundle(SignRequest(bundle=bundle, home=tmp_path / "home"))
    assert not (bundle / SIGNATURE).exists()


def test_signing_twice_needs_replace(bundle, tmp_path):
    sign_bundle(SignRequest(bundle=bundle, home=tmp_path / "home"))
    with pytest.raises(SigningError, match="already signed; pass --replace"):
        sign_bundle(SignRequest(bundle=bundle, home=tmp_path / "home"))


def test_certificate_method_needs_key_certificate_and_chain(bundle, pki):
    with pytest.raises(SigningError, match="needs --key"):
        sign_bundle(SignRequest(bundle=bundle, method=Method.CERTIFICATE, certificate=pki.cert))
    with pytest.raises(SigningError, match="public key from the certificate does not match"):
        sign_bundle(SignRequest(bundle=bundle, method=Method.CERTIFICATE, key=pki.rogue_key,
                                certificate=pki.cert, chain=(pki.root,)))


def _token(**claims) -> str:
    now = int(time.time())
    body = {"iss": "https://oidc.bank.invalid", "sub": "ci", "aud": "sigstore",
            "email": "mrm-ci@bank.invalid", "email_verified": True, "iat": now - 60,
            "exp": now + 600, **claims}
    return jwt.encode(body, "signature-not-checked-by-the-client-only-by-fulcio",
                      algorithm="HS256")


def _private_trust_config(tmp_path: Path) -> Path:
    """A client trust configuration for a private Sigstore instance at unreachable addresses."""
    from sigstore.models import ClientTrustConfig

    public = ClientTrustConfig.production(offline=True)
    doc = json.loads(public._inner.to_json())
    text = json.dumps(doc).replace("sigstore.dev", "sigstore.bank.invalid")
    path = tmp_path / "trust-config.json"
    path.write_text(text)
    return path


def test_sigstore_needs_a_token_and_refuses_expired_ones(bundle):
    with pytest.raises(SigningError, match="needs an OIDC identity token"):
        sign_bundle(SignRequest(bundle=bundle, method=Method.SIGSTORE))
    with pytest.raises(SigningError, match="not usable for Sigstore"):
        sign_bundle(SignRequest(bundle=bundle, method=Method.SIGSTORE,
                                identity_token=_token(exp=1, iat=0)))
    with pytest.raises(SigningError, match="not usable for Sigstore"):
        sign_bundle(SignRequest(bundle=bundle, method=Method.SIGSTORE, identity_token="garbage"))


def test_sigstore_with_a_private_trust_config_stops_at_the_network(bundle, tmp_path):
    config = _private_trust_config(tmp_path)
    with pytest.raises(SigningError, match="needs the network") as e:
        sign_bundle(SignRequest(bundle=bundle, method=Method.SIGSTORE, identity_token=_token(),
                                trust_config=config))
    assert "bank.invalid" in str(e.value)
    assert not (bundle / SIGNATURE).exists()
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(SigningError, match="not a Sigstore client trust configuration"):
        sign_bundle(SignRequest(bundle=bundle, method=Method.SIGSTORE, identity_token=_token(),
                                trust_config=bad))
