"""An approver whose key never leaves an HSM (SoftHSM2 over PKCS#11): `seawall approve --key
pkcs11:...` signs on the token, and the statement counts for the region that trusts that key
for `approve` with the role, and for no other key's role."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from artifacts.registry.approvals import ApprovalError, verify
from artifacts.signing import PIN_ENV, fingerprint, load_trust_policy, pkcs11_public_pem
from artifacts.signing.trust import add_signer
from regions import load_catalogue

REGION = "onshore-hn"


def test_an_hsm_key_approves_as_the_role_it_is_trusted_for(softhsm, catalogue_dir, tmp_path,
                                                             monkeypatch):
    pem = pkcs11_public_pem(softhsm.uri)
    add_signer(catalogue_dir / "trust" / f"{REGION}.yaml", REGION, {
        "name": "risk-head-hsm", "kind": "key", "fingerprint": fingerprint(pem),
        "public_key": pem.decode(), "purposes": ["approve"], "roles": ["model-risk-head"]})
    out = tmp_path / "approval.json"
    env = {PIN_ENV: softhsm.pin}
    done = subprocess.run(
        [sys.executable, "-m", "seawall", "approve", "uci", "3", "--to", "validated",
         "--region", REGION, "--ticket", "CHG-9", "--reason", "second line review",
         "--key", softhsm.uri, "--catalogue", str(catalogue_dir), "--out", str(out),
         "--home", str(tmp_path / "home")], capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, **env})
    assert done.returncode == 0, done.stderr
    assert softhsm.pin not in done.stdout + done.stderr
    signed = json.loads(out.read_text())
    policy = load_trust_policy(load_catalogue(catalogue_dir), REGION)
    approval = verify(signed, policy=policy, model="uci", version="3", region=REGION,
                      to_state="validated", used_nonces=set())
    assert (approval.signer, approval.statement.role) == ("risk-head-hsm", "model-risk-head")
    signed["statement"]["role"] = "validator"  # claiming a role the key does not hold
    with pytest.raises(ApprovalError):
        verify(signed, policy=policy, model="uci", version="3", region=REGION,
               to_state="validated", used_nonces=set())
