"""Per-region trust policies: which signers a region accepts, and for what.

Each catalogue entry names a policy file (`trust_policy: trust/<region>.yaml`). A policy lists
signers, each identified the way its signing method can prove:

- `kind: key`: an ECDSA public key (the local key or a PKCS#11/HSM key), by SHA-256 fingerprint;
- `kind: certificate`: a bank-PKI certificate, by subject and issuer, chaining to `roots`;
- `kind: sigstore`: a keyless Sigstore identity, by OIDC identity and issuer.

Each signer is trusted only for the listed `purposes` (import, serve, approve) and models (name
patterns). A region never trusts anybody by default: an empty list rejects every bundle. A
signer trusted to approve promotions names the `roles` it holds (validator, model-risk-head,
model-owner, release-engineer); the promotion gate asks for roles, not for names.
"""

from __future__ import annotations

import fnmatch
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from cryptography import x509

from artifacts.errors import TrustPolicyError
from artifacts.signing.keys import fingerprint
from artifacts.signing.purposes import Purpose, SignerKind
from regions import Catalogue, Tier

POLICY_FORMAT = "seawall.trust_policy/v1"


_FIELDS = {
    SignerKind.KEY: ({"fingerprint", "public_key"}, set()),
    SignerKind.CERTIFICATE: ({"subject", "issuer", "roots"}, set()),
    SignerKind.SIGSTORE: ({"identity", "oidc_issuer"}, {"trust_config"}),
}
_COMMON = ({"name", "kind", "purposes"}, {"models", "description", "roles"})
APPROVAL_ROLES = ("developer", "model-owner", "validator", "model-risk-head",
                  "release-engineer")


@dataclass(frozen=True, kw_only=True)
class TrustedSigner:
    name: str
    kind: SignerKind
    purposes: frozenset[Purpose]
    models: tuple[str, ...] = ("*",)
    roles: frozenset[str] = frozenset()  # what it may approve as (purpose approve)
    fingerprint: str | None = None
    public_key: bytes | None = None
    subject: str | None = None
    issuer: str | None = None
    roots: bytes | None = None
    identity: str | None = None
    oidc_issuer: str | None = None
    trust_config: Path | None = None

    def allows(self, purpose: Purpose, model: str) -> bool:
        return purpose in self.purposes and any(fnmatch.fnmatchcase(model, p) for p in self.models)

    @property
    def described(self) -> str:
        if self.kind is SignerKind.KEY:
            return f"key {self.fingerprint}"
        if self.kind is SignerKind.CERTIFICATE:
            return f"certificate '{self.subject}' issued by '{self.issuer}'"
        return f"Sigstore identity {self.identity} (issuer {self.oidc_issuer})"


@dataclass(frozen=True)
class TrustPolicy:
    region: str
    path: Path
    signers: tuple[TrustedSigner, ...] = field(default_factory=tuple)

    def of_kind(self, kind: SignerKind) -> list[TrustedSigner]:
        return [s for s in self.signers if s.kind is kind]


def policy_path(catalogue: Catalogue, region: str) -> Path:
    return catalogue.directory / catalogue.get(region).trust_policy


# A bundle is imported and served only where the serving tier runs (approvals are anywhere).
_NEEDS_TIER = {Purpose.IMPORT: Tier.SERVING, Purpose.SERVE: Tier.SERVING}


def load_trust_policy(catalogue: Catalogue, region: str) -> TrustPolicy:
    policy = read_policy(policy_path(catalogue, region), region)
    tiers = catalogue.get(region).tiers
    for i, signer in enumerate(policy.signers):
        check_purposes(signer.purposes, tiers, str(policy.path), f"signers[{i}].purposes", region)
    return policy


def check_purposes(purposes, tiers, file: str, field: str, region: str) -> None:
    """`TrustPolicyError` for a purpose the region's tiers can never have (a training region
    neither imports nor serves): trusting a signer for it would only mislead."""
    impossible = sorted(p.value for p in purposes
                        if p in _NEEDS_TIER and _NEEDS_TIER[p] not in tiers)
    if impossible:
        raise TrustPolicyError(file, field, f"{', '.join(impossible)} need(s) the "
                               f"{Tier.SERVING.value} tier, which region '{region}' does not "
                               f"run (tiers: {', '.join(sorted(t.value for t in tiers))})")


def read_policy(path: Path, region: str) -> TrustPolicy:
    where = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TrustPolicyError(where, None, f"the trust policy of region '{region}' does not "
                               "exist") from None
    except (OSError, yaml.YAMLError) as e:
        raise TrustPolicyError(where, None, f"cannot read it as YAML ({e})") from None
    return _policy_from(raw, path, region)


def _policy_from(raw: Any, path: Path, region: str) -> TrustPolicy:
    where = str(path)
    if not isinstance(raw, dict):
        raise TrustPolicyError(where, None, "must be a mapping with format, region and signers")
    if raw.get("format") != POLICY_FORMAT:
        raise TrustPolicyError(where, "format", f"must be {POLICY_FORMAT!r}")
    if raw.get("region") != region:
        raise TrustPolicyError(where, "region", f"must be '{region}', the region that references "
                               f"this file (got {raw.get('region')!r})")
    entries = raw.get("signers") or []
    if not isinstance(entries, list):
        raise TrustPolicyError(where, "signers", "must be a list (empty: trust nobody)")
    signers = [_signer(entry, f"signers[{i}]", path) for i, entry in enumerate(entries)]
    names = [s.name for s in signers]
    for name in names:
        if names.count(name) > 1:
            raise TrustPolicyError(where, "signers", f"the name '{name}' is used twice")
    return TrustPolicy(region, path, tuple(signers))


def add_signer(path: Path, region: str, entry: dict) -> TrustedSigner:
    """Append one signer to a policy file: checked first, then written to a temp file and renamed.

    The file is rewritten with a round-trip YAML writer (ruamel.yaml), so its comments and
    layout stay as a person left them; PEM blocks are written as literal `|` blocks."""
    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import LiteralScalarString

    read_policy(path, region)  # refuse to extend a policy that is already broken
    plain = yaml.safe_load(path.read_text(encoding="utf-8"))
    plain["signers"] = list(plain.get("signers") or []) + [entry]
    updated = _policy_from(plain, path, region)  # errors name the real file, which is untouched
    writer = YAML()  # round-trip: comments, order and quoting kept
    writer.width = 100
    doc = writer.load(path.read_text(encoding="utf-8"))
    if doc.get("signers") is None:
        doc["signers"] = []
    doc["signers"].append({k: LiteralScalarString(v) if isinstance(v, str) and "\n" in v
                           else v for k, v in entry.items()})
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as out:
            writer.dump(doc, out)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return updated.signers[-1]


def _signer(entry: Any, name: str, path: Path) -> TrustedSigner:
    where = str(path)
    if not isinstance(entry, dict):
        raise TrustPolicyError(where, name, "must be a mapping")
    try:
        kind = SignerKind(entry.get("kind"))
    except ValueError:
        raise TrustPolicyError(where, f"{name}.kind", "must be one of: " +
                               ", ".join(k.value for k in SignerKind)) from None
    required = _COMMON[0] | _FIELDS[kind][0]
    allowed = required | _COMMON[1] | _FIELDS[kind][1]
    for key in sorted(required - entry.keys()):
        raise TrustPolicyError(where, f"{name}.{key}", f"is required for a {kind.value} signer")
    for key in sorted(entry.keys() - allowed):
        raise TrustPolicyError(where, f"{name}.{key}", f"is not a field of a {kind.value} signer")

    def text(key: str) -> str:
        value = entry[key]
        if not isinstance(value, str) or not value.strip():
            raise TrustPolicyError(where, f"{name}.{key}", "must be a non-empty string")
        return value.strip()

    purposes = entry["purposes"]
    try:
        purposes = frozenset(Purpose(p) for p in purposes)
    except (TypeError, ValueError):
        purposes = frozenset()
    if not purposes:
        raise TrustPolicyError(where, f"{name}.purposes", "must list at least one of: " +
                               ", ".join(p.value for p in Purpose))
    models = entry.get("models", ["*"])
    if not isinstance(models, list) or not models or not all(isinstance(m, str) for m in models):
        raise TrustPolicyError(where, f"{name}.models", "must be a list of model-name patterns")
    roles = entry.get("roles", [])
    if not isinstance(roles, list) or not set(roles) <= set(APPROVAL_ROLES) or (
            roles and Purpose.APPROVE not in purposes):
        raise TrustPolicyError(where, f"{name}.roles", "must be a list of roles from "
                               f"{', '.join(APPROVAL_ROLES)}, for a signer trusted to approve")
    common = dict(name=text("name"), kind=kind, purposes=purposes, models=tuple(models),
                  roles=frozenset(roles))
    if kind is SignerKind.KEY:
        pem = text("public_key").encode() + b"\n"
        try:
            actual = fingerprint(pem)
        except Exception:
            raise TrustPolicyError(where, f"{name}.public_key", "must be a PEM public key") from None
        if actual != text("fingerprint"):
            raise TrustPolicyError(where, f"{name}.fingerprint", f"does not match public_key "
                                   f"(the key's fingerprint is {actual})")
        return TrustedSigner(**common, fingerprint=actual, public_key=pem)
    if kind is SignerKind.CERTIFICATE:
        roots = text("roots").encode() + b"\n"
        try:
            x509.load_pem_x509_certificates(roots)
        except ValueError:
            raise TrustPolicyError(where, f"{name}.roots", "must hold PEM certificates") from None
        return TrustedSigner(**common, subject=text("subject"), issuer=text("issuer"), roots=roots)
    config = entry.get("trust_config")
    if config is not None:
        config = path.parent / text("trust_config")
        if not config.is_file():
            raise TrustPolicyError(where, f"{name}.trust_config", f"{config} does not exist")
    return TrustedSigner(**common, identity=text("identity"), oidc_issuer=text("oidc_issuer"),
                         trust_config=config)
