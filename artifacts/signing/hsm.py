"""PKCS#11 keys: the public half of an HSM key, read from the token by its RFC 7512 URI, and
signing with it where model-signing does not sign (the decision log's checkpoints).

model-signing signs with the key (`use_pkcs11_signer`) but offers no public way to get the
public key it signs with, which a trust policy needs to enrol it. So it is read here with
PyKCS11 (the library model-signing itself uses): the token by label, the public key object by
label and/or id, its curve (CKA_EC_PARAMS) and point (CKA_EC_POINT). Public key objects need no
PIN.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote_to_bytes

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from artifacts.errors import SigningError
from artifacts.signing.keys import (
    PIN_ENV,
    load_private_key,
    pkcs11_uri_with_pin,
    public_pem,
    redact_pkcs11_uri,
)

_CURVES = {"secp256r1": ec.SECP256R1, "secp384r1": ec.SECP384R1, "secp521r1": ec.SECP521R1}


def parse_pkcs11_uri(uri: str) -> tuple[dict[str, bytes], dict[str, str]]:
    """(path attributes, query attributes) of a `pkcs11:` URI, percent-decoded (RFC 7512)."""
    if not uri.startswith("pkcs11:"):
        raise SigningError(f"{redact_pkcs11_uri(uri)}: not a PKCS#11 URI (pkcs11:token=...)")
    path, _, query = uri.removeprefix("pkcs11:").partition("?")
    attributes = {k: unquote_to_bytes(v) for k, _, v in
                  (p.partition("=") for p in path.split(";") if p)}
    queries = {k: unquote_to_bytes(v).decode() for k, _, v in
               (p.partition("=") for p in query.split("&") if p)}
    return attributes, queries


def open_signing_key(spec: str) -> ec.EllipticCurvePrivateKey | Pkcs11Key:
    """A `pkcs11:` URI's HSM key, or the unencrypted PEM private key file at `spec`."""
    if spec.startswith("pkcs11:"):
        return Pkcs11Key(spec)
    return load_private_key(Path(spec))


def pkcs11_public_pem(uri: str, modules: tuple[str, ...] = ()) -> bytes:
    """The PEM public half of the HSM key `uri` names (for enrolling it in a trust policy)."""
    return public_pem(Pkcs11Key(uri, modules).public_key())


class Pkcs11Key:
    """An ECDSA key that never leaves its token, with the two methods of cryptography's
    `EllipticCurvePrivateKey` that signing a note needs: `public_key()` and `sign(data,
    ec.ECDSA(hashes.SHA256()))` (hashed here, signed raw on the token with CKM_ECDSA, and
    returned DER-encoded like cryptography's). The PIN comes from the URI or $SEAWALL_PKCS11_PIN
    and is never shown."""

    def __init__(self, uri: str, modules: tuple[str, ...] = ()) -> None:
        try:
            import PyKCS11
        except ImportError as e:
            raise SigningError("PKCS#11 needs PyKCS11 (model-signing's 'pkcs11' extra); install "
                               "with: pip install 'model-signing[pkcs11]'") from e
        self.pkcs11 = PyKCS11
        self.attributes, queries = parse_pkcs11_uri(pkcs11_uri_with_pin(uri))
        self.shown = redact_pkcs11_uri(uri)
        self.module = queries.get("module-path") or (modules[0] if modules else None)
        self.pin = queries.get("pin-value")
        if self.pin is None and "pin-source" in queries:  # RFC 7512: a file holding the PIN
            source = queries["pin-source"].removeprefix("file:")
            try:
                self.pin = Path(source).read_text().strip()
            except OSError as e:
                raise SigningError(f"{self.shown}: cannot read the pin-source ({e})") from None
        if not self.module or "token" not in self.attributes:
            raise SigningError(f"{self.shown}: needs token=<label> and ?module-path=<library.so>")
        self._public: ec.EllipticCurvePublicKey | None = None

    def public_key(self) -> ec.EllipticCurvePublicKey:
        if self._public is None:
            from asn1crypto.core import OctetString
            from asn1crypto.keys import ECDomainParameters

            PyKCS11 = self.pkcs11
            params, point = self._on_token(PyKCS11.CKO_PUBLIC_KEY, lambda session, key: (
                session.getAttributeValue(key, [PyKCS11.CKA_EC_PARAMS, PyKCS11.CKA_EC_POINT])))
            curve = ECDomainParameters.load(bytes(params)).chosen.native
            if curve not in _CURVES:
                raise SigningError(f"{self.shown}: the key is on {curve}; use P-256, P-384 or "
                                   "P-521")
            self._public = ec.EllipticCurvePublicKey.from_encoded_point(
                _CURVES[curve](), OctetString.load(bytes(point)).native)
        return self._public

    def sign(self, data: bytes, algorithm: ec.EllipticCurveSignatureAlgorithm) -> bytes:
        digest = hashes.Hash(algorithm.algorithm)
        digest.update(data)
        hashed = digest.finalize()
        if self.pin is None:
            raise SigningError(f"{self.shown}: signing needs the token's PIN: set "
                               f"{PIN_ENV} (or pin-source in the URI)")
        raw = bytes(self._on_token(self.pkcs11.CKO_PRIVATE_KEY, lambda session, key: (
            session.sign(key, hashed, self.pkcs11.Mechanism(self.pkcs11.CKM_ECDSA))), login=True))
        half = len(raw) // 2
        return encode_dss_signature(int.from_bytes(raw[:half]), int.from_bytes(raw[half:]))

    def _on_token(self, kind: int, use, *, login: bool = False):
        """`use(session, key)` for the one object of class `kind` the URI names."""
        PyKCS11, attributes = self.pkcs11, self.attributes
        template = [(PyKCS11.CKA_CLASS, kind)]
        if "object" in attributes:
            template.append((PyKCS11.CKA_LABEL, attributes["object"].decode()))
        if "id" in attributes:
            template.append((PyKCS11.CKA_ID, tuple(attributes["id"])))
        try:
            lib = PyKCS11.PyKCS11Lib()
            lib.load(self.module)
            label = attributes["token"].decode()
            slots = [s for s in lib.getSlotList(tokenPresent=True)
                     if lib.getTokenInfo(s).label.strip() == label]
            if not slots:
                raise SigningError(f"{self.shown}: no token labelled {label!r} in {self.module}")
            session = lib.openSession(slots[0], PyKCS11.CKF_SERIAL_SESSION)
            try:
                if login:
                    session.login(self.pin)
                found = session.findObjects(template)
                if len(found) != 1:
                    raise SigningError(f"{self.shown}: {len(found)} keys match; name exactly "
                                       "one with object=<label> or id=<id>")
                return use(session, found[0])
            finally:
                if login:
                    session.logout()
                session.closeSession()
        except PyKCS11.PyKCS11Error as e:
            raise SigningError(f"{self.shown}: the token refused ({e})") from None
