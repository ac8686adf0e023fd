"""Signing keys: the embedded local ECDSA P-256 key, public-key fingerprints, PKCS#11 URIs.

The local key is the embedded default for `seawall sign`: created on first use under
`<home>/keys/` (directory 0700, private key 0600, written with O_EXCL so it is never
overwritten) and never printed. Production signs with a bank certificate, an HSM (PKCS#11) or
Sigstore keyless instead; every method is identified in trust policies by what `fingerprint`
and `certificate_identity` return.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from artifacts.errors import SigningError

PRIVATE_KEY = "signing-key.pem"
PUBLIC_KEY = "signing-key.pub"
PIN_ENV = "SEAWALL_PKCS11_PIN"


@dataclass(frozen=True)
class LocalKey:
    private: Path
    public: Path
    fingerprint: str
    created: bool


def ensure_local_key(home: Path) -> LocalKey:
    """The local signing key under `<home>/keys/`, created (0600) if it does not exist yet."""
    keys = home / "keys"
    private, public = keys / PRIVATE_KEY, keys / PUBLIC_KEY
    created = False
    if not private.exists():
        keys.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = ec.generate_private_key(ec.SECP256R1())
        write_private_key(private, key)
        public.write_bytes(public_pem(key.public_key()))
        created = True
    if private.stat().st_mode & 0o077:
        raise SigningError(f"{private}: the private key is readable by others "
                           f"(mode {private.stat().st_mode & 0o777:o}); run chmod 600 on it")
    if not public.exists():
        public.write_bytes(public_pem(load_private_key(private).public_key()))
    return LocalKey(private, public, fingerprint(public.read_bytes()), created)


def write_private_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    """Write `key` as unencrypted PKCS#8 PEM, created 0600 with O_EXCL (never overwriting)."""
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


def load_private_key(path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as e:
        raise SigningError(f"{path}: not a readable unencrypted PEM private key ({e})") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise SigningError(f"{path}: must be an ECDSA key (P-256, P-384 or P-521)")
    return key


def public_pem(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(public_key_pem: bytes) -> str:
    """`sha256:<hex>` of the PEM public key: the `hint` model-signing puts in its bundles."""
    try:
        key = serialization.load_pem_public_key(public_key_pem)
    except ValueError as e:
        raise SigningError(f"not a PEM public key ({e})") from None
    return "sha256:" + hashlib.sha256(public_pem(key)).hexdigest()


def certificate_identity(cert: x509.Certificate) -> tuple[str, str]:
    """(subject, issuer) as RFC 4514 strings, the way trust policies name certificate signers."""
    return cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()


def redact_pkcs11_uri(uri: str) -> str:
    """A PKCS#11 URI without its PIN, safe to print and record."""
    return re.sub(r"(pin-value=)[^&;]*", r"\1***", uri)


def pkcs11_uri_with_pin(uri: str) -> str:
    """Add the PIN from $SEAWALL_PKCS11_PIN when the URI carries neither pin-value nor pin-source."""
    pin = os.environ.get(PIN_ENV)
    if pin is None or "pin-value=" in uri or "pin-source=" in uri:
        return uri
    return f"{uri}{'&' if '?' in uri else '?'}pin-value={pin}"


def pkcs11_signing_config(uri: str, modules: tuple[str, ...] = ()):
    """A model-signing config that signs with an HSM key."""
    import model_signing

    try:
        return model_signing.signing.Config().use_pkcs11_signer(
            pkcs11_uri=pkcs11_uri_with_pin(uri), module_paths=list(modules))
    except Exception as e:  # PyKCS11 raises its own error types
        raise SigningError(f"PKCS#11 key {redact_pkcs11_uri(uri)} cannot be used: "
                           f"{redact_pkcs11_uri(str(e)) or type(e).__name__}") from None
