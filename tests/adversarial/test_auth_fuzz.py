"""The authentication corpus: any Authorization header, and tokens built from arbitrary JOSE
headers and claims, are answered 401 or 403 with a reason, never a 5xx, never a 200."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import ServiceSettings, create_app
from service.dev_issuer import create_issuer

ISSUER, AUDIENCE = "https://idp.fuzz", "seawall"
PATHS = ("/predict", "/score", "/explain", "/version")
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=300)
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                           | st.text(max_size=20), lambda v: st.lists(v, max_size=3)
                           | st.dictionaries(st.text(max_size=8), v, max_size=3), max_leaves=10)


@pytest.fixture(scope="module")
def fuzz_client(serving, tmp_path_factory):
    root = tmp_path_factory.mktemp("auth-fuzz")
    jwks = create_issuer(root / "issuer")
    kid = json.loads(jwks.read_text())["keys"][0]["kid"]
    app = create_app(ServiceSettings(region="onshore-hn", bundle=serving.champion,
                                     catalogue=serving.catalogue, access_log=False,
                                     decision_log=str(root / "decisions.db"), jwt_issuer=ISSUER,
                                     jwt_audience=AUDIENCE, jwt_jwks=jwks))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, kid


def b64(doc) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()


def assert_refused(client, path: str, authorization: str, rows) -> None:
    response = client.request("GET" if path == "/version" else "POST", path,
                              json={"rows": rows},
                              headers={"Authorization": authorization.encode("latin-1")})
    assert response.status_code in (401, 403), (path, authorization[:200], response.text[:300])
    assert response.json()["detail"] and "www-authenticate" in response.headers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=header_text, path=st.sampled_from(PATHS))
def test_any_authorization_header_is_refused_with_a_reason(fuzz_client, serving, value, path):
    client, _ = fuzz_client
    assert_refused(client, path, value, serving.rows(1))
    assert_refused(client, path, f"Bearer {value}", serving.rows(1))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=st.dictionaries(st.sampled_from(["alg", "kid", "typ", "jwk", "crit", "x5u"]),
                              json_values, max_size=4),
       claims=st.dictionaries(st.sampled_from(["iss", "aud", "sub", "exp", "nbf", "iat",
                                               "scope", "scp"]), json_values, max_size=8),
       signature=st.binary(max_size=80), use_kid=st.booleans(), path=st.sampled_from(PATHS))
def test_a_token_from_arbitrary_headers_and_claims_is_refused(fuzz_client, serving, header,
                                                              claims, signature, use_kid, path):
    client, kid = fuzz_client
    if use_kid:
        header = {**header, "kid": kid}
    token = f"{b64(header)}.{b64(claims)}.{base64.urlsafe_b64encode(signature).decode()}"
    assert_refused(client, path, f"Bearer {token.rstrip('=')}", serving.rows(1))
