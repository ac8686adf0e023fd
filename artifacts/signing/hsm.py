"""PKCS#11 keys: the public half of an HSM key, read from the token by its RFC 7512 URI.

model-signing signs with the key (`use_pkcs11_signer`) but offers no public way to get the
public key it signs with, which a trust policy needs to enrol it. So it is read here with
PyKCS11 (the library model-signing itself uses): the token by label, the public key object by
label and/or id, its curve (CKA_EC_PARAMS) and point (CKA_EC_POINT). Public key objects need no
PIN.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from cryptography.hazmat.primitives.asymmetric import ec

from artifacts.errors import SigningError
from artifacts.signing.keys import public_pem, redact_pkcs11_uri

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


def pkcs11_public_pem(uri: str, modules: tuple[str, ...] = ()) -> bytes:
    """The PEM public half of the HSM key `uri` names (for enrolling it in a trust policy)."""
    try:
        import PyKCS11
        from asn1crypto.core import OctetString
        from asn1crypto.keys import ECDomainParameters
    except ImportError as e:
        raise SigningError("PKCS#11 needs PyKCS11 (model-signing's 'pkcs11' extra); install "
                           "with: pip install 'model-signing[pkcs11]'") from e
    attributes, queries = parse_pkcs11_uri(uri)
    shown = redact_pkcs11_uri(uri)
    module = queries.get("module-path") or (modules[0] if modules else None)
    if not module or "token" not in attributes:
        raise SigningError(f"{shown}: needs token=<label> and ?module-path=<library.so>")
    template = [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY)]
    if "object" in attributes:
        template.append((PyKCS11.CKA_LABEL, attributes["object"].decode()))
    if "id" in attributes:
        template.append((PyKCS11.CKA_ID, tuple(attributes["id"])))
    try:
        lib = PyKCS11.PyKCS11Lib()
        lib.load(module)
        label = attributes["token"].decode()
        slots = [s for s in lib.getSlotList(tokenPresent=True)
                 if lib.getTokenInfo(s).label.strip() == label]
        if not slots:
            raise SigningError(f"{shown}: no token labelled {label!r} in {module}")
        session = lib.openSession(slots[0], PyKCS11.CKF_SERIAL_SESSION)
        try:
            found = session.findObjects(template)
            if len(found) != 1:
                raise SigningError(f"{shown}: {len(found)} public keys match; name exactly one "
                                   "with object=<label> or id=<id>")
            params, point = session.getAttributeValue(
                found[0], [PyKCS11.CKA_EC_PARAMS, PyKCS11.CKA_EC_POINT])
        finally:
            session.closeSession()
    except PyKCS11.PyKCS11Error as e:
        raise SigningError(f"{shown}: the token refused ({e})") from None
    curve = ECDomainParameters.load(bytes(params)).chosen.native
    if curve not in _CURVES:
        raise SigningError(f"{shown}: the key is on {curve}; use P-256, P-384 or P-521")
    key = ec.EllipticCurvePublicKey.from_encoded_point(
        _CURVES[curve](), OctetString.load(bytes(point)).native)
    return public_pem(key)
