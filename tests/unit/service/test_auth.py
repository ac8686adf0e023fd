"""Client authentication with bearer tokens: who may call what, refusals as RFC 6750 says, and
the caller's identity in every decision record and access-log line."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from pydantic import ValidationError

from artifacts.ledger import open_store, verify_chain
from service import ServiceSettings, create_app
from service.auth import Refused, TokenValidator
from service.dev_issuer import KEY_FILE, create_issuer, issue_token

ISSUER, AUDIENCE = "https://idp.bank.example", "seawall-scoring"


@pytest.fixture(scope="module")
def issuer(tmp_path_factory):
    directory = tmp_path_factory.mktemp("issuer")
    return directory, create_issuer(directory)


def token(issuer, *scopes: str, subject: str = "loan-origination", **claims) -> str:
    directory, _ = issuer
    issued = issue_token(directory, issuer=ISSUER, audience=AUDIENCE, subject=subject,
                         scopes=list(scopes))
    if not claims:
        return issued
    key = serialization.load_pem_private_key((directory / KEY_FILE).read_bytes(), None)
    body = {**jwt.decode(issued, options={"verify_signature": False}), **claims}
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm="ES256",
                      headers=jwt.get_unverified_header(issued))


def bearer(value: str) -> dict:
    return {"Authorization": f"Bearer {value}"}


def settings(serving, tmp_path, issuer, **changes) -> ServiceSettings:
    base = {"region": "onshore-hn", "bundle": serving.champion, "catalogue": serving.catalogue,
            "decision_log": str(tmp_path / "decisions.db"), "jwt_issuer": ISSUER,
            "jwt_audience": AUDIENCE, "jwt_jwks": issuer[1]}
    return ServiceSettings(**{**base, **changes})


@pytest.fixture
def client(serving, tmp_path, issuer):
    with TestClient(create_app(settings(serving, tmp_path, issuer))) as c:
        yield c


@pytest.mark.parametrize(("changes", "message"), [
    ({"jwt_issuer": None, "jwt_audience": None, "jwt_jwks": None},
     "no client authentication is configured"),
    ({"jwt_audience": None}, "need all of --jwt-issuer, --jwt-audience and --jwt-jwks"),
    ({"insecure_no_auth": True}, "--insecure-no-auth contradicts"),
    ({"tls_client_ca": "ca.pem"}, "needs --tls-cert and --tls-key"),
    ({"mtls_scopes": "seawall:predict seawall:admin"}, "unknown scope(s) seawall:admin"),
])
def test_the_service_does_not_start_open_by_accident(serving, tmp_path, issuer, changes,
                                                      message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        settings(serving, tmp_path, issuer, **changes)


def test_a_scoring_call_needs_a_valid_token_with_its_scope(client, serving, issuer):
    rows = {"rows": serving.rows(2)}
    missing = client.post("/predict", json=rows)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == 'Bearer realm="seawall", error="invalid_request"'
    assert missing.json()["error"] == "unauthenticated"
    ok = client.post("/predict", json=rows, headers=bearer(token(issuer, "seawall:predict")))
    assert ok.status_code == 200 and len(ok.json()["results"]) == 2
    wrong_scope = client.post("/score", json=rows,
                              headers=bearer(token(issuer, "seawall:predict")))
    assert wrong_scope.status_code == 403
    assert wrong_scope.headers["www-authenticate"] == ('Bearer realm="seawall", '
                                                       'error="insufficient_scope", '
                                                       'scope="seawall:score"')
    assert "lacks the scope seawall:score" in wrong_scope.json()["detail"]
    as_list = token(issuer, scp=["seawall:score"], scope=None)  # Azure-style `scp` claim
    assert client.post("/score", json=rows, headers=bearer(as_list)).status_code == 200


def now() -> int:
    return int(time.time())


def other_key_token() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": now() + 60,
                       "scope": "seawall:predict"}, key, algorithm="ES256",
                      headers={"kid": "someone-else"})


@pytest.mark.parametrize(("make", "message"), [
    (lambda i: token(i, "seawall:predict", aud="another-service"), "Audience doesn't match"),
    (lambda i: token(i, "seawall:predict", iss="https://evil.example"), "Invalid issuer"),
    (lambda i: token(i, "seawall:predict", exp=now() - 3600), "Signature has expired"),
    (lambda i: token(i, "seawall:predict", nbf=now() + 3600), "not yet valid"),
    (lambda i: token(i, "seawall:predict", sub=None), 'missing the "sub" claim'),
    (lambda i: token(i, "seawall:predict", sub=["a", "list"]), "Subject must be a string"),
    (lambda i: token(i, "seawall:predict")[:-4] + "AAAA", "Signature verification failed"),
    (lambda i: other_key_token(), "key id (kid) is not one of the issuer's keys"),
    (lambda i: "not.a.token", "Invalid header"),
])
def test_a_bad_token_is_a_401_naming_what_is_wrong(client, serving, issuer, make, message):
    response = client.post("/predict", json={"rows": serving.rows(1)}, headers=bearer(make(issuer)))
    assert response.status_code == 401, response.text
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert message in response.json()["detail"]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_algorithm_confusion_and_unsigned_tokens_are_refused(client, serving, issuer):
    directory, jwks = issuer
    kid = json.loads(jwks.read_text())["keys"][0]["kid"]
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": now() + 60,
              "scope": "seawall:predict"}
    payload = b64(json.dumps(claims).encode())
    unsigned = f"{b64(json.dumps({'alg': 'none', 'kid': kid}).encode())}.{payload}."
    # the classic confusion: an HMAC keyed with the public key, which anyone holds
    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'kid': kid}).encode())}.{payload}"
    public = jwks.read_bytes()
    mac = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()
    for forged in (unsigned, f"{signing_input}.{b64(mac)}"):
        response = client.post("/predict", json={"rows": serving.rows(1)}, headers=bearer(forged))
        assert response.status_code == 401
        assert "algorithm is not its key's (ES256)" in response.json()["detail"]


def test_probes_and_metrics_stay_open_and_the_rest_needs_read(client, issuer):
    assert client.get("/health").status_code == 200
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["auth"] == "jwt"
    assert client.get("/metrics").status_code == 200
    assert client.get("/version").status_code == 401
    assert client.get("/openapi.json").status_code == 401
    assert client.get("/version", headers=bearer(token(issuer, "seawall:predict"))
                      ).status_code == 403
    assert client.get("/version", headers=bearer(token(issuer, "seawall:read"))
                      ).status_code == 200


def test_metrics_can_require_their_scope(serving, tmp_path, issuer):
    app = create_app(settings(serving, tmp_path, issuer, metrics_auth=True))
    with TestClient(app) as c:
        assert c.get("/metrics").status_code == 401
        scraped = c.get("/metrics", headers=bearer(token(issuer, "seawall:metrics")))
        assert scraped.status_code == 200 and "seawall_http_requests_total" in scraped.text


def test_the_caller_is_in_each_decision_record_and_the_access_log(client, serving, issuer,
                                                                  tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="seawall.access")
    headers = bearer(token(issuer, "seawall:explain", subject="branch-app-7"))
    assert client.post("/explain", json={"rows": serving.rows(3)}, headers=headers
                       ).status_code == 200
    store = open_store(str(tmp_path / "decisions.db"))
    assert [r.decision.caller for r in store.records()] == ["jwt:branch-app-7"] * 3
    assert verify_chain(store).intact
    (line,) = [r for r in caplog.records if r.getMessage().startswith("POST /explain")]
    assert line.caller == "jwt:branch-app-7"
    client.post("/predict", json={"rows": serving.rows(1)})
    refused = [r for r in caplog.records if r.getMessage() == "POST /predict 401"]
    assert refused and refused[0].caller is None


def test_insecure_no_auth_is_reported_by_ready_and_the_log(serving, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="seawall.service")
    app = create_app(ServiceSettings(region="onshore-hn", bundle=serving.champion,
                                     catalogue=serving.catalogue, insecure_no_auth=True,
                                     decision_log=str(tmp_path / "decisions.db")))
    with TestClient(app) as c:
        assert c.get("/ready").json()["auth"] == "off (--insecure-no-auth)"
        assert c.post("/predict", json={"rows": serving.rows(1)}).status_code == 200
    assert any("client authentication is OFF" in r.getMessage() for r in caplog.records)


def test_a_validated_token_is_cached_until_it_expires(issuer):
    validator = TokenValidator(ISSUER, AUDIENCE, issuer[1], leeway=0)
    issued = token(issuer, "seawall:predict", exp=now() + 1)
    first = validator.validate(issued)
    assert validator.validate(issued) is first  # no second signature check
    time.sleep(max(0.0, jwt.decode(issued, options={"verify_signature": False})["exp"]
                   - time.time()) + 0.1)
    with pytest.raises(Refused, match="Signature has expired"):
        validator.validate(issued)


def test_an_unusable_jwks_file_is_a_start_up_error(serving, tmp_path, issuer):
    bad = tmp_path / "jwks.json"
    bad.write_text('{"keys": [{"kty": "oct", "k": "c2VjcmV0", "alg": "HS256", "kid": "h"}]}')
    from service import ServiceError

    with pytest.raises(ServiceError, match="no signing key with an asymmetric algorithm"):
        create_app(settings(serving, tmp_path, issuer, jwt_jwks=bad))
    bad.write_text("{not json")
    with pytest.raises(ServiceError, match="not a usable JWKS file"):
        create_app(settings(serving, tmp_path, issuer, jwt_jwks=bad))


def test_the_dev_issuer_keeps_its_key_private_and_never_replaces_it(tmp_path):
    from service import ServiceError

    jwks = create_issuer(tmp_path / "issuer")
    key = tmp_path / "issuer" / KEY_FILE
    assert key.stat().st_mode & 0o777 == 0o600
    assert "PRIVATE" not in jwks.read_text() and '"d"' not in jwks.read_text()
    before = key.read_bytes()
    with pytest.raises(ServiceError, match="an issuer key is already there"):
        create_issuer(tmp_path / "issuer")
    assert key.read_bytes() == before
    with pytest.raises(ServiceError, match="create one with `seawall auth dev-issuer`"):
        issue_token(tmp_path / "nowhere", issuer=ISSUER, audience=AUDIENCE, subject="x",
                    scopes=[])
