"""Signed approval statements (issue 18 item 4): who approves which move of which version, in what
role, under which change ticket, and until when.

A statement (`seawall.approval/v1`) is signed with an ECDSA P-256 key, a local PEM file or an
HSM key's `pkcs11:` URI, the same keys the signing area uses; the file carries the statement,
the signature (DER, base64) and the public key. It counts for a promotion only if:

- the signature verifies and the key is a signer the region's trust policy trusts for purpose
  `approve` on this model, holding the role the statement claims;
- it names this model, version, region and target state, has a change ticket, has not expired
  and its nonce has not been used before (a replayed approval is refused);
- separation of duties holds: the key that signed the bundle cannot approve it, and the
  approvals for one gate come from distinct identities, one for each role the tier's gate asks.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from artifacts.documents import Document, DocumentError
from artifacts.errors import ArtifactError
from artifacts.registry.tiering import Gate
from artifacts.signing.keys import fingerprint, public_pem
from artifacts.signing.trust import Purpose, SignerKind, TrustPolicy

APPROVAL_FILE_FORMAT = "seawall.signed_approval/v1"
VALID_FOR = timedelta(days=14)


class ApprovalError(ArtifactError):
    """An approval that does not count; nothing was moved."""

    next_step = "ask an approver the region trusts for the role to sign a fresh statement"


@dataclass(frozen=True, kw_only=True)
class ApprovalStatement(Document):
    FORMAT: ClassVar[str] = "seawall.approval/v1"
    model: str
    version: str
    region: str
    to_state: str
    role: str
    ticket: str
    reason: str
    issued_at: str
    expires_at: str
    nonce: str


@dataclass(frozen=True)
class Approval:
    """A verified approval: the statement and the trusted signer who made it."""

    statement: ApprovalStatement
    signer: str  # the trust policy's name for the key
    fingerprint: str


def statement(*, model: str, version: str, region: str, to_state: str, role: str, ticket: str,
              reason: str, now: datetime | None = None) -> ApprovalStatement:
    if not ticket.strip():
        raise ApprovalError("--ticket: a change ticket reference is mandatory")
    if not reason.strip():
        raise ApprovalError("--reason: say why (it goes into the model's audit trail)")
    now = now or datetime.now(UTC)
    return ApprovalStatement(model=model, version=version, region=region, to_state=to_state,
                             role=role, ticket=ticket.strip(), reason=reason.strip(),
                             issued_at=now.isoformat(timespec="seconds"),
                             expires_at=(now + VALID_FOR).isoformat(timespec="seconds"),
                             nonce=secrets.token_hex(16))


def sign(doc: ApprovalStatement, key: Any) -> dict:
    """The signed file's content; `key` is an EC private key or a PKCS#11 key (its `sign`)."""
    payload = orjson.dumps(doc.to_json(), option=orjson.OPT_SORT_KEYS)
    signature = key.sign(payload, ec.ECDSA(hashes.SHA256()))
    return {"format": APPROVAL_FILE_FORMAT, "statement": doc.to_json(),
            "signature": base64.b64encode(signature).decode(),
            "public_key": public_pem(key.public_key()).decode()}


def verify(signed: object, *, policy: TrustPolicy, model: str, version: str, region: str,
           to_state: str, used_nonces: set[str], now: datetime | None = None,
           source: str = "approval") -> Approval:
    """The approval if it counts for this move; `ApprovalError` saying why it does not."""
    if not isinstance(signed, dict) or signed.get("format") != APPROVAL_FILE_FORMAT:
        raise ApprovalError(f"{source}: not a signed approval ({APPROVAL_FILE_FORMAT})")
    try:
        doc = ApprovalStatement.from_json(signed.get("statement"), source=source)
        pem = str(signed["public_key"]).encode()
        key = load_pem_public_key(pem)
        key.verify(base64.b64decode(str(signed["signature"]), validate=True),
                   orjson.dumps(doc.to_json(), option=orjson.OPT_SORT_KEYS),
                   ec.ECDSA(hashes.SHA256()))
    except (DocumentError, KeyError, ValueError, TypeError, InvalidSignature) as e:
        why = "the signature does not verify" if isinstance(e, InvalidSignature) else e
        raise ApprovalError(f"{source}: {why}") from None
    expected = {"model": model, "version": version, "region": region, "to_state": to_state}
    for field, value in expected.items():
        if getattr(doc, field) != value:
            raise ApprovalError(f"{source}: approves {field} {getattr(doc, field)!r}, not "
                                f"{value!r}")
    key_print = fingerprint(pem)
    signer = next((s for s in policy.signers if s.kind is SignerKind.KEY
                   and s.fingerprint == key_print and s.allows(Purpose.APPROVE, model)), None)
    if signer is None:
        raise ApprovalError(f"{source}: key {key_print} is not trusted to approve {model} in "
                            f"{region} ({policy.path})")
    if doc.role not in signer.roles:
        raise ApprovalError(f"{source}: {signer.name} does not hold the role {doc.role!r} "
                            f"(holds: {', '.join(sorted(signer.roles)) or 'none'})")
    now = now or datetime.now(UTC)
    if datetime.fromisoformat(doc.expires_at) <= now:
        raise ApprovalError(f"{source}: expired at {doc.expires_at}")
    if doc.nonce in used_nonces:
        raise ApprovalError(f"{source}: already used for an earlier move (nonce {doc.nonce})")
    return Approval(doc, signer.name, key_print)


def check_separation(approvals: list[Approval], *, bundle_signer: str | None) -> None:
    """Separation of duties: distinct identities, none of them the key that signed the bundle."""
    for a in approvals:
        if bundle_signer is not None and a.fingerprint == bundle_signer:
            raise ApprovalError(f"{a.signer} signed the bundle and cannot approve it "
                                "(separation of duties)")
    prints = [a.fingerprint for a in approvals]
    if len(set(prints)) != len(prints):
        raise ApprovalError("two approvals come from one identity; a gate's approvals need "
                            "distinct approvers")


def check_gate(approvals: list[Approval], gate: Gate, *, bundle_signer: str | None) -> None:
    """Separation of duties and the tier's gate: every role the gate asks, each from a distinct
    identity, none of them the key that signed the bundle."""
    check_separation(approvals, bundle_signer=bundle_signer)
    held = {a.statement.role for a in approvals}
    missing = [r.value for r in gate.roles if r.value not in held]
    if missing:
        raise ApprovalError(f"the tier's gate needs an approval from each of "
                            f"{', '.join(r.value for r in gate.roles)}; missing: "
                            f"{', '.join(missing)}")
