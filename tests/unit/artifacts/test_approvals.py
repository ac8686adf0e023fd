"""Signed approval statements: a trusted key with the role approves exactly the move it names;
an untrusted or wrong-role key, an expired, replayed, altered or misdirected statement and a
missing ticket are refused with one line; separation of duties and the tier's gate hold."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from artifacts.registry.approvals import ApprovalError, check_gate, sign, statement, verify
from artifacts.registry.tiering import Level, gate
from artifacts.signing.keys import fingerprint, public_pem
from artifacts.signing.trust import Purpose, SignerKind, TrustedSigner, TrustPolicy

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)
MOVE = {"model": "uci", "version": "3", "region": "onshore-hn", "to_state": "validated"}
KEYS = {name: ec.generate_private_key(ec.SECP256R1()) for name in ("victor", "rita", "mallory")}


def trusted(name: str, *roles: str) -> TrustedSigner:
    pem = public_pem(KEYS[name].public_key())
    return TrustedSigner(name=name, kind=SignerKind.KEY, purposes=frozenset({Purpose.APPROVE}),
                         roles=frozenset(roles), fingerprint=fingerprint(pem), public_key=pem)


POLICY = TrustPolicy("onshore-hn", Path("trust/onshore-hn.yaml"),
                     (trusted("victor", "validator"), trusted("rita", "model-risk-head")))


def signed(who: str, role: str, now: datetime = NOW, **changes) -> dict:
    doc = statement(**{**MOVE, **changes}, role=role, ticket="CHG-42", reason="validated",
                    now=now)
    return sign(doc, KEYS[who])


def check(doc, used=None, now=NOW):
    return verify(doc, policy=POLICY, **MOVE, used_nonces=used or set(), now=now)


def test_a_trusted_key_with_the_role_approves_exactly_its_move():
    approval = check(signed("victor", "validator"))
    assert approval.signer == "victor" and approval.statement.ticket == "CHG-42"


@pytest.mark.parametrize("doc, message", [
    (lambda: signed("mallory", "validator"), "is not trusted to approve"),
    (lambda: signed("victor", "model-risk-head"), "does not hold the role 'model-risk-head'"),
    (lambda: signed("victor", "validator", version="4"), "approves version '4', not '3'"),
    (lambda: signed("victor", "validator", to_state="production"), "approves to_state"),
    (lambda: signed("victor", "validator", NOW - timedelta(days=15)), "expired"),
])
def test_refusals_are_one_line(doc, message):
    with pytest.raises(ApprovalError, match=message) as caught:
        check(doc())
    assert "\n" not in caught.value.diagnostics()


def test_a_replayed_or_altered_statement_is_refused():
    doc = signed("victor", "validator")
    with pytest.raises(ApprovalError, match="already used"):
        check(doc, used={doc["statement"]["nonce"]})
    altered = copy.deepcopy(doc)
    altered["statement"]["ticket"] = "CHG-43"
    with pytest.raises(ApprovalError, match="signature does not verify"):
        check(altered)


def test_a_ticket_and_a_reason_are_mandatory():
    with pytest.raises(ApprovalError, match="change ticket reference is mandatory"):
        statement(**MOVE, role="validator", ticket=" ", reason="x")
    with pytest.raises(ApprovalError, match="--reason"):
        statement(**MOVE, role="validator", ticket="CHG-1", reason="")


def test_the_high_tier_gate_needs_two_distinct_roles_and_not_the_bundle_signer():
    victor, rita = check(signed("victor", "validator")), check(signed("rita", "model-risk-head"))
    check_gate([victor, rita], gate(Level.HIGH), bundle_signer=None)
    with pytest.raises(ApprovalError, match="missing: model-risk-head"):
        check_gate([victor], gate(Level.HIGH), bundle_signer=None)
    with pytest.raises(ApprovalError, match="distinct approvers"):
        check_gate([victor, victor], gate(Level.MEDIUM), bundle_signer=None)
    with pytest.raises(ApprovalError, match="signed the bundle"):
        check_gate([victor], gate(Level.MEDIUM), bundle_signer=victor.fingerprint)


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)),
                    lambda inner: st.one_of(st.lists(inner, max_size=3),
                                            st.dictionaries(st.text(max_size=8), inner,
                                                            max_size=3)), max_leaves=12))
def test_any_json_is_an_approval_or_a_one_line_refusal(doc):
    with pytest.raises(ApprovalError):
        check(doc)
    with pytest.raises(ApprovalError):
        check({**signed("victor", "validator"), "statement": doc})


@pytest.mark.parametrize("entry, ok", [
    ({"purposes": ["approve"], "roles": ["validator"]}, True),
    ({"purposes": ["approve"], "roles": ["pope"]}, False),
    ({"purposes": ["import"], "roles": ["validator"]}, False),  # roles only for approvers
])
def test_a_trust_policy_names_what_roles_an_approver_holds(tmp_path, entry, ok):
    import yaml

    from artifacts.errors import TrustPolicyError
    from artifacts.signing.trust import read_policy

    pem = public_pem(KEYS["victor"].public_key()).decode()
    path = tmp_path / "onshore-hn.yaml"
    path.write_text(yaml.safe_dump({"format": "seawall.trust_policy/v1", "region": "onshore-hn",
                                    "signers": [{"name": "victor", "kind": "key",
                                                 "fingerprint": fingerprint(pem.encode()),
                                                 "public_key": pem, **entry}]}))
    if ok:
        assert read_policy(path, "onshore-hn").signers[0].roles == {"validator"}
    else:
        with pytest.raises(TrustPolicyError, match="roles"):
            read_policy(path, "onshore-hn")
