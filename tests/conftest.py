"""Shared fixtures: small real data sets, an isolated Seawall home, a copy of the catalogue, a
signed bundle's raw material (a bundle to change, a bank PKI)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from artifacts.factory import ModelFamily, TrainRequest, build_candidate, synthesize
from artifacts.signing import Method, SignRequest, add_signer, ensure_local_key, sign_bundle
from regions import PACKAGED_CATALOGUE

SMALL_ROWS = 2_000
KINDS = ("unit", "integration", "e2e", "adversarial")


def pytest_collection_modifyitems(items) -> None:
    """Each test carries the marker of its folder, so `-m "not e2e"` and the like select them."""
    for item in items:
        kind = next((k for k in KINDS if f"/tests/{k}/" in str(item.path)), None)
        if kind is not None:
            item.add_marker(kind)


def pytest_terminal_summary(terminalreporter) -> None:
    """The standing adversarial suite (tests/adversarial/): one file per corpus (bundle tamper,
    bad input, log tamper, replay, authentication, fuzzed scoring input), each case asserting
    the check that refuses it. A line per corpus says how many cases were tried and how many
    were refused as they must be (a Hypothesis test counts once, for all its examples). Here,
    not in tests/adversarial/conftest.py: with xdist only this conftest reaches the controller."""
    tried, refused = Counter(), Counter()
    for outcome in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if "tests/adversarial/" not in nodeid or report.when != "call":
                continue
            corpus = nodeid.split("::")[0].rsplit("/", 1)[-1].removesuffix(".py")
            tried[corpus] += 1
            refused[corpus] += outcome == "passed"
    if tried:
        terminalreporter.section("adversarial corpora (cases tried / refused as they must be)")
        for corpus in sorted(tried):
            terminalreporter.line(f"{corpus:<28} {tried[corpus]:>4} / {refused[corpus]:>4}")


@pytest.fixture(scope="session")
def small_frame():
    return synthesize(rows=SMALL_ROWS, seed=7)


@pytest.fixture
def small_csv(tmp_path: Path, small_frame) -> Path:
    path = tmp_path / "credit.csv"
    small_frame.to_csv(path, index=False)
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "seawall-home"


@pytest.fixture
def catalogue_dir(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(PACKAGED_CATALOGUE, target)
    return target


@pytest.fixture(scope="session")
def pristine_bundle(tmp_path_factory, small_frame) -> Path:
    """An unsigned bundle trained once on 2,000 rows; copy it before changing anything."""
    root = tmp_path_factory.mktemp("pristine")
    data = root / "credit.csv"
    small_frame.to_csv(data, index=False)
    return build_candidate(TrainRequest(region="offshore-sg", home=root / "home",
                                        data=data)).bundle


@dataclass(frozen=True)
class Serving:
    """A signed champion and challenger, and a catalogue whose onshore-hn policy trusts their
    signer for import and serve."""

    root: Path
    home: Path
    catalogue: Path
    champion: Path
    challenger: Path  # another model family, same contract
    golden: dict

    def rows(self, n: int | None = None) -> list[dict]:
        """Golden rows as named-field objects."""
        columns = self.golden["columns"]
        return [dict(zip(columns, r)) for r in self.golden["rows"][:n]]


@pytest.fixture(scope="session")
def serving(tmp_path_factory, small_frame, pristine_bundle) -> Serving:
    root = tmp_path_factory.mktemp("serving")
    home = root / "home"
    catalogue = root / "catalogue"
    shutil.copytree(PACKAGED_CATALOGUE, catalogue)
    data = root / "credit.csv"
    small_frame.to_csv(data, index=False)
    challenger = build_candidate(TrainRequest(region="offshore-sg", home=root / "offshore",
                                              data=data, family=ModelFamily.GBM)).bundle
    champion = root / "bundles" / "champion"
    shutil.copytree(pristine_bundle, champion)
    for bundle in (champion, challenger):
        sign_bundle(SignRequest(bundle=bundle, method=Method.KEY, home=home))
    key = ensure_local_key(home)
    add_signer(catalogue / "trust" / "onshore-hn.yaml", "onshore-hn", {
        "name": "offshore-release", "kind": "key", "fingerprint": key.fingerprint,
        "public_key": key.public.read_text(), "purposes": ["import", "serve"]})
    golden = json.loads((champion / "golden_set.json").read_text())
    return Serving(root, home, catalogue, champion, challenger, golden)


# A signed bundle's raw material, shared by the integration tests and the adversarial corpus.
@pytest.fixture
def bundle(tmp_path, pristine_bundle) -> Path:
    target = tmp_path / "bundles" / pristine_bundle.name
    shutil.copytree(pristine_bundle, target)
    return target


@dataclass(frozen=True)
class Pki:
    root: Path                      # the bank's root CA (what policies trust)
    rogue_ca: Path                  # another CA that uses the bank root's name
    key: Path
    cert: Path                      # a valid code-signing leaf
    expired_key: Path
    expired_cert: Path              # same subject, expired yesterday
    rogue_key: Path
    rogue_cert: Path                # same subject and issuer name, issued by another CA
    subject: str
    issuer: str


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Bank"),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])


def _cert(subject, issuer, public, signer, *, ca: bool, start, end) -> x509.Certificate:
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(public).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=not ca, key_cert_sign=ca,
                                            crl_sign=ca, content_commitment=False,
                                            key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, encipher_only=False,
                                            decipher_only=False), critical=True))
    return builder.sign(signer, hashes.SHA256())


def _write_key(path: Path, key) -> Path:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)
    return path


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    now = dt.datetime.now(dt.UTC)
    ca_name, leaf_name = _name("Example Bank Root CA"), _name("Model Risk Signing")
    files = {}
    for tag in ("bank", "rogue"):
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = _cert(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True,
                   start=now - dt.timedelta(days=30), end=now + dt.timedelta(days=3650))
        files[f"{tag}_ca"] = (ca, ca_key)
    for tag in ("bank", "rogue"):
        (d / f"{tag}-ca.pem").write_bytes(files[f"{tag}_ca"][0].public_bytes(
            serialization.Encoding.PEM))
    out = {}
    for tag, ca, start, end in (
            ("leaf", "bank_ca", now - dt.timedelta(days=1), now + dt.timedelta(days=365)),
            ("expired", "bank_ca", now - dt.timedelta(days=400), now - dt.timedelta(days=1)),
            ("rogue", "rogue_ca", now - dt.timedelta(days=1), now + dt.timedelta(days=365))):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _cert(leaf_name, ca_name, key.public_key(), files[ca][1], ca=False,
                     start=start, end=end)
        (d / f"{tag}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        out[tag] = (_write_key(d / f"{tag}.key", key), d / f"{tag}.pem")
    return Pki(root=d / "bank-ca.pem", rogue_ca=d / "rogue-ca.pem", key=out["leaf"][0], cert=out["leaf"][1],
               expired_key=out["expired"][0], expired_cert=out["expired"][1],
               rogue_key=out["rogue"][0], rogue_cert=out["rogue"][1],
               subject=leaf_name.rfc4514_string(), issuer=ca_name.rfc4514_string())
