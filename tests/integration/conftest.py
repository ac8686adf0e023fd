"""Fixtures for signing and verification: a trained bundle, a bank PKI, a SoftHSM2 token."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")


@pytest.fixture
def bundle(tmp_path, pristine_bundle) -> Path:
    target = tmp_path / "bundles" / pristine_bundle.name
    shutil.copytree(pristine_bundle, target)
    return target


@dataclass(frozen=True)
class Pki:
    root: Path                      # the bank's root CA (what policies trust)
    rogue_ca: Path                  # another CA that uses the bank root's name
    key: Path
    cert: Path                      # a valid code-signing leaf
    expired_key: Path
    expired_cert: Path              # same subject, expired yesterday
    rogue_key: Path
    rogue_cert: Path                # same subject and issuer name, issued by another CA
    subject: str
    issuer: str


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Bank"),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])


def _cert(subject, issuer, public, signer, *, ca: bool, start, end) -> x509.Certificate:
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(public).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=not ca, key_cert_sign=ca,
                                            crl_sign=ca, content_commitment=False,
                                            key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, encipher_only=False,
                                            decipher_only=False), critical=True))
    return builder.sign(signer, hashes.SHA256())


def _write_key(path: Path, key) -> Path:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)
    return path


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    now = dt.datetime.now(dt.UTC)
    ca_name, leaf_name = _name("Example Bank Root CA"), _name("Model Risk Signing")
    files = {}
    for tag in ("bank", "rogue"):
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = _cert(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True,
                   start=now - dt.timedelta(days=30), end=now + dt.timedelta(days=3650))
        files[f"{tag}_ca"] = (ca, ca_key)
    for tag in ("bank", "rogue"):
        (d / f"{tag}-ca.pem").write_bytes(files[f"{tag}_ca"][0].public_bytes(
            serialization.Encoding.PEM))
    out = {}
    for tag, ca, start, end in (
            ("leaf", "bank_ca", now - dt.timedelta(days=1), now + dt.timedelta(days=365)),
            ("expired", "bank_ca", now - dt.timedelta(days=400), now - dt.timedelta(days=1)),
            ("rogue", "rogue_ca", now - dt.timedelta(days=1), now + dt.timedelta(days=365))):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _cert(leaf_name, ca_name, key.public_key(), files[ca][1], ca=False,
                     start=start, end=end)
        (d / f"{tag}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        out[tag] = (_write_key(d / f"{tag}.key", key), d / f"{tag}.pem")
    return Pki(root=d / "bank-ca.pem", rogue_ca=d / "rogue-ca.pem", key=out["leaf"][0], cert=out["leaf"][1],
               expired_key=out["expired"][0], expired_cert=out["expired"][1],
               rogue_key=out["rogue"][0], rogue_cert=out["rogue"][1],
               subject=leaf_name.rfc4514_string(), issuer=ca_name.rfc4514_string())


@dataclass(frozen=True)
class Hsm:
    uri: str
    pin: str


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory):
    """A real SoftHSM2 token holding an EC P-256 key pair generated inside it."""
    if not SOFTHSM_MODULE.exists():
        pytest.skip("SoftHSM2 is not installed (apt-get install softhsm2; .ci/run does this)")
    import PyKCS11
    from asn1crypto.keys import ECDomainParameters

    d = tmp_path_factory.mktemp("softhsm")
    (d / "tokens").mkdir()
    conf = d / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {d / 'tokens'}\nobjectstore.backend = file\n")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    pin = "246810"
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "seawall-test",
                    "--pin", pin, "--so-pin", "13579"], check=True, capture_output=True)
    lib = PyKCS11.PyKCS11Lib()
    lib.load(str(SOFTHSM_MODULE))
    slot = next(s for s in lib.getSlotList(tokenPresent=True)
                if lib.getTokenInfo(s).label.strip() == "seawall-test")
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    session.login(pin)
    params = ECDomainParameters({"named": "secp256r1"}).dump()
    common = [(PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_EC), (PyKCS11.CKA_TOKEN, True),
              (PyKCS11.CKA_LABEL, "signing"), (PyKCS11.CKA_ID, (1,))]
    session.generateKeyPair(
        [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY), (PyKCS11.CKA_VERIFY, True),
         (PyKCS11.CKA_EC_PARAMS, params), *common],
        [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_SIGN, True),
         (PyKCS11.CKA_PRIVATE, True), (PyKCS11.CKA_SENSITIVE, True), *common],
        mecha=PyKCS11.MechanismECGENERATEKEYPAIR)
    session.logout()
    session.closeSession()
    yield Hsm(f"pkcs11:token=seawall-test;object=signing?module-path={SOFTHSM_MODULE}", pin)
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous
