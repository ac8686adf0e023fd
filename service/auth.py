"""Who is calling: mutual TLS and/or signed bearer tokens (JWT), with a scope per endpoint.

- **mTLS**: uvicorn verifies the client certificate against the configured CA during the
  handshake (`tls_protocol` puts the verified subject into the ASGI scope's TLS extension); a
  verified certificate carries `mtls_scopes`.
- **JWT**: `Authorization: Bearer <token>`, signed by a key of the issuer's JWKS (asymmetric
  algorithms only), with the configured `iss` and `aud`, unexpired, with a `sub`; its `scope`
  (space-separated, RFC 9068) or `scp` (list) claim carries the scopes. When both are
  configured, the token is required and the certificate's subject is recorded beside it.

`/health` and `/ready` stay open for the kubelet, and `/checkpoint` for auditors (a signed
checkpoint is public by design, as a Certificate Transparency log's tree head is); `/metrics`
is open unless `metrics_auth`. Everything else needs an identity: the scoring routes their
scope, the rest `seawall:read`. A refusal is a JSON 401 or 403 with an RFC 6750
`WWW-Authenticate` header, never a 500. The caller's identity goes into `scope["state"]`,
from where the decision records and the access log take it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jwt
import orjson

from service.errors import ServiceError
from service.settings import ALL_SCOPES

SCOPES = {"/predict": "seawall:predict", "/score": "seawall:score",
          "/explain": "seawall:explain", "/metrics": "seawall:metrics"}
READ_SCOPE = "seawall:read"
assert set(ALL_SCOPES) == {*SCOPES.values(), READ_SCOPE}
OPEN_PATHS = frozenset({"/health", "/ready", "/checkpoint", "/v2/health/live",
                        "/v2/health/ready"})
PREDICT_SCOPE = SCOPES["/predict"]  # the Open Inference Protocol's infer is a /predict
ALGORITHMS = ("ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
              "EdDSA")
_CACHE_MAX = 10_000  # validated tokens kept until they expire (a signature check per request
# would cost more than scoring one row)


class Refused(Exception):
    """Why a request is refused: HTTP status, RFC 6750 error code, description."""

    def __init__(self, status: int, error: str, description: str, scope: str | None = None):
        super().__init__(description)
        self.status, self.error, self.description, self.scope = status, error, description, scope


@dataclass(frozen=True)
class Caller:
    identity: str  # what the decision log and the access log record
    scopes: frozenset[str]


class TokenValidator:
    """Bearer tokens of one issuer and audience, checked against the issuer's JWKS file."""

    def __init__(self, issuer: str, audience: str, jwks: Path, leeway: float = 30.0) -> None:
        self.issuer, self.audience, self.leeway = issuer, audience, leeway
        try:
            keys = jwt.PyJWKSet.from_json(jwks.read_text())
        except (OSError, jwt.PyJWTError, ValueError) as e:
            raise ServiceError(f"{jwks}: not a usable JWKS file ({e})") from None
        self.keys = {k.key_id: k for k in keys.keys if k.algorithm_name in ALGORITHMS}
        if not self.keys:
            raise ServiceError(f"{jwks}: no signing key with an asymmetric algorithm "
                               f"({', '.join(ALGORITHMS)}) and a key id (kid)")
        self._cache: dict[str, tuple[Caller, float]] = {}

    def validate(self, token: str) -> Caller:
        now = time.time()
        cached = self._cache.get(token)
        if cached is not None and now < cached[1] + self.leeway:
            return cached[0]
        caller, expires = self._check(token)
        if len(self._cache) >= _CACHE_MAX:
            self._cache = {t: v for t, v in self._cache.items() if now < v[1] + self.leeway}
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
        self._cache[token] = (caller, expires)
        return caller

    def _check(self, token: str) -> tuple[Caller, float]:
        try:
            header = jwt.get_unverified_header(token)
            kid = header.get("kid")
            key = self.keys.get(kid) if isinstance(kid, str) else None
            if key is None:
                raise Refused(401, "invalid_token", "the token's key id (kid) is not one of the "
                              "issuer's keys")
            if header.get("alg") != key.algorithm_name:
                raise Refused(401, "invalid_token", f"the token's algorithm is not its key's "
                              f"({key.algorithm_name})")
            claims = jwt.decode(token, key.key, algorithms=[key.algorithm_name],
                                audience=self.audience, issuer=self.issuer, leeway=self.leeway,
                                options={"require": ["exp", "iss", "aud", "sub"]})
        except jwt.PyJWTError as e:
            raise Refused(401, "invalid_token", f"the token was refused: {e}") from None
        scopes = claims.get("scope", "")
        listed = scopes.split() if isinstance(scopes, str) else []
        if isinstance(claims.get("scp"), list):
            listed += [s for s in claims["scp"] if isinstance(s, str)]
        sub = claims["sub"]
        if not isinstance(sub, str) or not sub.isprintable() or len(sub) > 256:
            raise Refused(401, "invalid_token", "the token's subject (sub) is not printable text")
        return Caller(f"jwt:{sub}", frozenset(listed)), float(claims["exp"])


class AuthPolicy:
    """The service's authentication settings, applied to one request at a time."""

    def __init__(self, *, tokens: TokenValidator | None, mtls: bool, mtls_scopes: frozenset[str],
                 metrics_open: bool) -> None:
        self.tokens, self.mtls, self.mtls_scopes = tokens, mtls, mtls_scopes
        self.open_paths = OPEN_PATHS | ({"/metrics"} if metrics_open else set())

    @property
    def mode(self) -> str:
        """How clients authenticate, for `/ready` and the logs."""
        return "+".join(m for m, on in (("mtls", self.mtls), ("jwt", self.tokens)) if on)

    def authenticate(self, scope: dict) -> Caller | None:
        """The caller, None for an open path, or `Refused`."""
        path = scope["path"]
        if path in self.open_paths:
            return None
        certificate = None
        if self.mtls:
            tls = (scope.get("extensions") or {}).get("tls") or {}
            certificate = tls.get("client_cert_name")
            if not certificate:
                raise Refused(401, "invalid_request", "a verified client certificate is required "
                              "(mutual TLS)")
        if self.tokens is not None:
            caller = self.tokens.validate(_bearer(scope["headers"]))
            if certificate:
                caller = Caller(f"{caller.identity} mtls:{certificate}", caller.scopes)
        else:
            caller = Caller(f"mtls:{certificate}", self.mtls_scopes)
        needed = SCOPES.get(path) or (PREDICT_SCOPE if path.startswith("/v2/models/")
                                      and path.endswith("/infer") else READ_SCOPE)
        if needed not in caller.scopes:
            raise Refused(403, "insufficient_scope", f"{caller.identity} lacks the scope "
                          f"{needed} that {path} needs", scope=needed)
        return caller


def _bearer(headers) -> str:
    for name, value in headers:
        if name == b"authorization":
            kind, _, token = value.decode("latin-1").partition(" ")
            if kind.lower() == "bearer" and token.strip():
                return token.strip()
            break
    raise Refused(401, "invalid_request", "an Authorization: Bearer <token> header is required")


class Authenticated:
    """ASGI wrapper: refuse the request, or record its caller in `scope["state"]["caller"]`."""

    def __init__(self, app: Callable, *, policy: AuthPolicy | None) -> None:
        self.app, self.policy = app, policy

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and self.policy is not None:
            try:
                caller = self.policy.authenticate(scope)
            except Refused as e:
                await _refuse(send, e)
                return
            if caller is not None:
                scope.setdefault("state", {})["caller"] = caller.identity
        await self.app(scope, receive, send)


async def _refuse(send, refused: Refused) -> None:
    challenge = f'Bearer realm="seawall", error="{refused.error}"'
    if refused.scope:
        challenge += f', scope="{refused.scope}"'
    body = orjson.dumps({"error": "unauthenticated" if refused.status == 401 else "forbidden",
                         "detail": refused.description})
    await send({"type": "http.response.start", "status": refused.status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", b"%d" % len(body)),
        (b"www-authenticate", challenge.encode("latin-1", "replace"))]})
    await send({"type": "http.response.body", "body": body})
