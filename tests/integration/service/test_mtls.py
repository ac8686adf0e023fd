"""Mutual TLS on a real `seawall serve` (uvicorn with client-certificate verification): a
certificate from another CA never gets past the handshake, a client without one reaches only
the probes, and a verified client's subject is recorded with its decisions."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from server_helpers import start

from artifacts.ledger import open_store, verify_chain
from service.dev_issuer import create_issuer, issue_token


@dataclass(frozen=True)
class Pki:
    ca: Path
    server: tuple[Path, Path]
    client: tuple[Path, Path]
    rogue: tuple[Path, Path]  # a client certificate from another CA


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Bank"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _issue(directory: Path, stem: str, subject: str, ca_key, ca_name, *, server=False,
           ca=False) -> tuple[Path, Path, object, x509.Name]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder().subject_name(_name(subject))
               .issuer_name(ca_name or _name(subject)).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    if not ca:
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    cert = builder.sign(ca_key or key, hashes.SHA256())
    cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path, key, cert.subject


@pytest.fixture(scope="module")
def tls_pki(tmp_path_factory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    ca, _, ca_key, ca_name = _issue(d, "ca", "Seawall Test CA", None, None, ca=True)
    _, _, other_key, other_name = _issue(d, "other-ca", "Someone Else's CA", None, None, ca=True)
    server = _issue(d, "server", "scoring.onshore-hn", ca_key, ca_name, server=True)[:2]
    client = _issue(d, "client", "loan-origination", ca_key, ca_name)[:2]
    rogue = _issue(d, "rogue", "loan-origination", other_key, other_name)[:2]
    return Pki(ca, server, client, rogue)


def tls_args(pki: Pki) -> list[str]:
    return ["--tls-cert", str(pki.server[0]), "--tls-key", str(pki.server[1]),
            "--tls-client-ca", str(pki.ca)]


def client_tls(pki: Pki, cert: tuple[Path, Path] | None) -> dict:
    context = ssl.create_default_context(cafile=str(pki.ca))
    if cert is not None:
        context.load_cert_chain(str(cert[0]), str(cert[1]))
    return {"verify": context}


def test_mtls_admits_only_the_cas_clients_and_records_who_called(serving, tmp_path, tls_pki):
    pki = tls_pki
    server = start(serving, tmp_path, *tls_args(pki), tls=client_tls(pki, pki.client))
    try:
        with httpx.Client(base_url=server.url, **client_tls(pki, pki.client)) as c:
            assert c.get("/ready").json()["auth"] == "mtls"
            assert c.post("/predict", json={"rows": serving.rows(2)}).status_code == 200
        with pytest.raises((httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError)):
            httpx.post(f"{server.url}/predict", json={"rows": serving.rows(1)},
                       **client_tls(pki, pki.rogue))  # another CA's: the handshake fails
        with httpx.Client(base_url=server.url, **client_tls(pki, None)) as anonymous:
            # no certificate: the kubelet's probes pass, nothing else does
            assert anonymous.get("/ready").status_code == 200
            refused = anonymous.post("/predict", json={"rows": serving.rows(1)})
            assert refused.status_code == 401
            assert "client certificate is required" in refused.json()["detail"]
            assert anonymous.get("/version").status_code == 401
        with pytest.raises((httpx.ConnectError, httpx.RemoteProtocolError)):  # plain HTTP
            httpx.get(server.url.replace("https", "http") + "/health", timeout=5)
    finally:
        server.stop()
    store = open_store(str(tmp_path / "home/regions/onshore-hn/decisions.db"), read_only=True)
    callers = {r.decision.caller for r in store.records()}
    assert callers == {"mtls:CN=loan-origination,O=Example Bank"}
    assert verify_chain(store).records == 2
    access = [json.loads(line) for line in server.lines() if '"POST /predict 200"' in line]
    assert [a["caller"] for a in access] == ["mtls:CN=loan-origination,O=Example Bank"]


def test_mtls_with_tokens_requires_both_and_records_both(serving, tmp_path, tls_pki):
    pki = tls_pki
    issuer = tmp_path / "issuer"
    jwks = create_issuer(issuer)
    args = [*tls_args(pki), "--jwt-issuer", "https://idp", "--jwt-audience", "seawall",
            "--jwt-jwks", str(jwks)]
    server = start(serving, tmp_path, *args, tls=client_tls(pki, pki.client))
    try:
        with httpx.Client(base_url=server.url, **client_tls(pki, pki.client)) as c:
            assert c.get("/ready").json()["auth"] == "mtls+jwt"
            assert c.post("/predict", json={"rows": serving.rows(1)}).status_code == 401
            token = issue_token(issuer, issuer="https://idp", audience="seawall",
                                subject="branch-7", scopes=["seawall:predict"])
            ok = c.post("/predict", json={"rows": serving.rows(1)},
                        headers={"Authorization": f"Bearer {token}"})
            assert ok.status_code == 200
    finally:
        server.stop()
    store = open_store(str(tmp_path / "home/regions/onshore-hn/decisions.db"), read_only=True)
    assert [r.decision.caller for r in store.records()] == [
        "jwt:branch-7 mtls:CN=loan-origination,O=Example Bank"]
