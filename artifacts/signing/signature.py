"""Reading a `model.sig` (a Sigstore bundle) before it is verified: who claims to have signed
it, with which method, and what the in-toto statement lists. Nothing read here is trusted until
`verification` has checked the signature with a key or root from the region's trust policy.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import ObjectIdentifier

from artifacts.signing.keys import certificate_identity
from artifacts.signing.trust import SignerKind

_FULCIO_ISSUER_V2 = ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
_FULCIO_ISSUER_V1 = ObjectIdentifier("1.3.6.1.4.1.57264.1.1")


class SignatureFormatError(ValueError):
    pass


@dataclass(frozen=True, kw_only=True)
class SignatureFacts:
    kind: SignerKind
    claimed: str                       # the signer as the signature presents it
    fingerprint: str | None = None     # key
    chain: tuple[x509.Certificate, ...] = ()
    subject: str | None = None         # certificate
    issuer: str | None = None
    identity: str | None = None        # sigstore
    oidc_issuer: str | None = None
    signed_at: str | None = None       # only Sigstore's transparency log attests a time
    statement: dict = field(default_factory=dict)

    @property
    def serialization(self) -> dict:
        return self.statement.get("predicate", {}).get("serialization", {})

    def resources(self) -> dict[str, list[tuple[int | None, int | None, str]]]:
        """Signed digests by file name: one (None, None, digest) per file, or one per shard."""
        out: dict[str, list] = {}
        method = self.serialization.get("method")
        for item in self.statement.get("predicate", {}).get("resources", []):
            name, digest = item["name"], item["digest"]
            if method == "shards":
                file, start, end = name.rsplit(":", 2)
                out.setdefault(file, []).append((int(start), int(end), digest))
            else:
                out.setdefault(name, []).append((None, None, digest))
        return out


def read_signature(path: Path) -> SignatureFacts:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        material = doc["verificationMaterial"]
        statement = json.loads(base64.b64decode(doc["dsseEnvelope"]["payload"]))
    except FileNotFoundError:
        raise SignatureFormatError("the bundle is not signed (no model.sig)") from None
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SignatureFormatError(f"not a Sigstore bundle with a DSSE envelope ({e!r})") from None
    if "publicKey" in material:
        fp = "sha256:" + str(material["publicKey"].get("hint", ""))
        return SignatureFacts(kind=SignerKind.KEY, claimed=f"key {fp}", fingerprint=fp,
                              statement=statement)
    chain = _certificates(material)
    if not chain:
        raise SignatureFormatError("carries neither a public-key hint nor a certificate")
    if "certificate" in material or material.get("tlogEntries"):
        identity, issuer = _fulcio_identity(chain[0])
        return SignatureFacts(kind=SignerKind.SIGSTORE, claimed=f"Sigstore identity {identity} "
                              f"(issuer {issuer})", chain=chain, identity=identity,
                              oidc_issuer=issuer, signed_at=_tlog_time(material),
                              statement=statement)
    subject, issuer = certificate_identity(chain[0])
    return SignatureFacts(kind=SignerKind.CERTIFICATE, chain=chain, subject=subject, issuer=issuer,
                          claimed=f"certificate '{subject}' issued by '{issuer}'",
                          statement=statement)


def _certificates(material: dict) -> tuple[x509.Certificate, ...]:
    raw = [material["certificate"]] if "certificate" in material else \
        material.get("x509CertificateChain", {}).get("certificates", [])
    try:
        return tuple(x509.load_der_x509_certificate(base64.b64decode(c["rawBytes"])) for c in raw)
    except (KeyError, TypeError, ValueError) as e:
        raise SignatureFormatError(f"holds a certificate that cannot be read ({e})") from None


def _fulcio_identity(cert: x509.Certificate) -> tuple[str, str]:
    identity = issuer = "unknown"
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = san.get_values_for_type(x509.UniformResourceIdentifier) + \
            san.get_values_for_type(x509.RFC822Name)
        identity = names[0] if names else identity
    except x509.ExtensionNotFound:
        pass
    for oid, der in ((_FULCIO_ISSUER_V2, True), (_FULCIO_ISSUER_V1, False)):
        try:
            value = cert.extensions.get_extension_for_oid(oid).value.value
        except x509.ExtensionNotFound:
            continue
        issuer = (value[2:] if der else value).decode("utf-8", "replace")
        break
    return identity, issuer


def _tlog_time(material: dict) -> str | None:
    for entry in material.get("tlogEntries", []):
        if entry.get("integratedTime"):
            return datetime.fromtimestamp(int(entry["integratedTime"]), UTC).isoformat()
    return None
