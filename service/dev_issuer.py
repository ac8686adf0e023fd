"""A local token issuer for trials, tests and the demo: an ES256 key, its JWKS, and tokens.

Production tokens come from the bank's identity provider (Keycloak, Entra ID, ...); the service
only ever holds the issuer's public JWKS. This issuer exists so that a trial on one machine
can run with authentication on rather than off. The private key is written 0600.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from artifacts.signing.keys import write_private_key
from service.errors import ServiceError

KEY_FILE, JWKS_FILE = "issuer-key.pem", "jwks.json"


def create_issuer(directory: Path) -> Path:
    """Write a new ES256 key (0600) and its JWKS into `directory`; the JWKS path. Refuses to
    replace a key that is there."""
    key_path = directory / KEY_FILE
    if key_path.exists():
        raise ServiceError(f"{key_path}: an issuer key is already there; remove it to start over")
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    write_private_key(key_path, key)
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid=_thumbprint(jwk), alg="ES256", use="sig")
    jwks_path = directory / JWKS_FILE
    jwks_path.write_text(json.dumps({"keys": [jwk]}, indent=2) + "\n")
    return jwks_path


def issue_token(directory: Path, *, issuer: str, audience: str, subject: str,
                scopes: list[str], ttl_seconds: int = 3600) -> str:
    """A token signed by the issuer in `directory`."""
    try:
        key = serialization.load_pem_private_key((directory / KEY_FILE).read_bytes(), None)
        kid = json.loads((directory / JWKS_FILE).read_text())["keys"][0]["kid"]
    except (OSError, ValueError, KeyError, IndexError) as e:
        raise ServiceError(f"{directory}: no usable issuer there ({e}); create one with "
                           "`seawall auth dev-issuer`") from None
    now = int(time.time())
    claims = {"iss": issuer, "aud": audience, "sub": subject, "iat": now, "nbf": now,
              "exp": now + ttl_seconds, "scope": " ".join(scopes)}
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid})


def _thumbprint(jwk: dict) -> str:
    """RFC 7638 JWK thumbprint of an EC key, as its key id."""
    members = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"),
                         sort_keys=True)
    digest = hashlib.sha256(members.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
