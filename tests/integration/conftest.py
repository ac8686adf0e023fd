"""Fixtures for the integration tests: a SoftHSM2 token (the bundle and the bank PKI are in
tests/conftest.py, shared with the adversarial corpus)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")


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
