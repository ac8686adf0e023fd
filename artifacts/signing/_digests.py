"""The signature and digest checks of verification, through model-signing's public API only.

`signature_and_digests` settles the `signature` and `digests` checks of a report: the signature
is checked by `verifying.Config.verify` alone (see `_SignatureOnly`), then the files are hashed
with the statement's own hashing config and compared with the signed statement here, so every
finding names a file and nothing is read from another library's message text.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import model_signing
import numpy as np

from artifacts.bundle import MANIFEST, SIGNATURE, Bundle
from artifacts.errors import BundleError
from artifacts.signing.one_read import read_and_hash
from artifacts.signing.report import Check, VerificationReport
from artifacts.signing.signature import SignatureFacts, SignatureFormatError, read_signature
from artifacts.signing.trust import SignerKind, TrustedSigner


def signature_and_digests(report: VerificationReport, bundle: Bundle, facts: SignatureFacts,
                           entry: TrustedSigner) -> dict[str, np.ndarray] | None:
    """The files' bytes as hashed (`one_read`; empty when model-signing hashed them) if the
    signature is valid and every digest matches; None otherwise (the report says why)."""
    signature, digests = report.check("signature"), report.check("digests")
    serialization = facts.serialization
    if serialization.get("ignore_paths", []) != [SIGNATURE]:
        signature.fail(f"{SIGNATURE}: the signed statement must leave out only {SIGNATURE} "
                       f"(it leaves out {serialization.get('ignore_paths')})")
        digests.skip("the statement does not cover the whole bundle")
        return None
    if facts.kind is SignerKind.CERTIFICATE:
        expired = _outside_validity(facts)
        if expired:
            signature.fail(f"{SIGNATURE}: {expired}")
            digests.skip("the signing certificate is not valid now")
            return None
    with tempfile.TemporaryDirectory(prefix="seawall-verify-") as tmp:
        try:
            _verifier(entry, Path(tmp)).set_hashing_config(_SignatureOnly()).verify(
                bundle.path, bundle.path / SIGNATURE)
        except Exception as e:  # cryptography, OpenSSL, sigstore and model-signing's own types
            return _bad_signature(signature, digests, e)
    signature.ok(f"verified with '{entry.name}' ({entry.described})")
    read = read_and_hash(bundle.path, serialization, ignore=SIGNATURE)
    findings = _digest_findings(facts, read.digests if read is not None else
                                _found(_hashing(serialization).hash(bundle.path)))
    if findings:
        digests.fail(*findings)
        return None
    resources = facts.resources()
    digests.ok(f"{len(resources)} files, {sum(len(r) for r in resources.values())} signed "
               f"digests ({serialization.get('hash_type')}, {serialization.get('method')}), "
               f"{sum(bundle.size(f) for f in resources):,} bytes"
               + (", each read once" if read is not None else ""))
    return read.contents if read is not None else {}


class _SignatureOnly(model_signing.hashing.Config):
    """Lets `verifying.Config.verify` answer about the signature alone.

    model-signing has no public call that checks only the signature: `Config.verify()` checks
    it, then hashes the files with its hashing config and compares them with the signed
    statement, and says which step failed only in its message text (which we do not parse).
    So verification runs twice through public calls: `verify()` with this config, whose
    "hash" compares equal to any statement (the files are not read), and then the files are
    hashed with the statement's own hashing config and compared by `_digest_findings`.
    """

    def hash(self, model_path, *, files_to_hash=None):  # noqa: ARG002  # the public signature
        return _EqualToAnyManifest()


class _EqualToAnyManifest:
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = None  # type: ignore[assignment]


def _bad_signature(signature: Check, digests: Check, e: Exception) -> None:
    signature.fail(f"{SIGNATURE}: {type(e).__name__}: {e}".rstrip(": "))
    digests.skip("the signature is not valid")


def _verifier(entry: TrustedSigner, tmp: Path) -> model_signing.verifying.Config:
    config = model_signing.verifying.Config()
    if entry.kind is SignerKind.KEY:
        (tmp / "key.pub").write_bytes(entry.public_key)
        return config.use_elliptic_key_verifier(public_key=tmp / "key.pub")
    if entry.kind is SignerKind.CERTIFICATE:
        (tmp / "roots.pem").write_bytes(entry.roots)
        return config.use_certificate_verifier(certificate_chain=[tmp / "roots.pem"])
    return config.use_sigstore_verifier(identity=entry.identity, oidc_issuer=entry.oidc_issuer,
                                        trust_config=entry.trust_config)


def _hashing(serialization: dict) -> model_signing.hashing.Config:
    # Built from the statement: the library's own guess fails on shard sizes stored as floats.
    config = model_signing.hashing.Config().set_ignored_paths(paths=[SIGNATURE],
                                                              ignore_git_paths=False)
    if serialization.get("method") == "shards":
        return config.use_shard_serialization(hashing_algorithm=serialization["hash_type"],
                                              shard_size=int(serialization["shard_size"]))
    return config.use_file_serialization(hashing_algorithm=serialization.get("hash_type",
                                                                             "sha256"))


def _outside_validity(facts: SignatureFacts) -> str | None:
    now = datetime.now(UTC)
    for cert in facts.chain:
        name = cert.subject.rfc4514_string()
        if now > cert.not_valid_after_utc:
            return f"certificate '{name}' expired on {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"
        if now < cert.not_valid_before_utc:
            return f"certificate '{name}' is not valid before {cert.not_valid_before_utc:%Y-%m-%d}"
    return None


def _found(manifest) -> dict[str, str]:
    """A model-signing manifest's digests: identifier -> hex."""
    return {d.identifier: d.digest.digest_hex for d in manifest.resource_descriptors()}


def _digest_findings(facts: SignatureFacts, found: dict[str, str]) -> list[str]:
    """Each file whose digests differ between the signed statement and `found` (the bundle
    as it is: identifier -> hex digest), one line per file."""
    signed = {r["name"]: r["digest"] for r in facts.statement.get("predicate", {})
              .get("resources", [])}
    changed = {_file_of(n) for n in signed.keys() & found.keys() if signed[n] != found[n]}
    missing = {_file_of(n) for n in signed.keys() - found.keys()}
    extra = {_file_of(n) for n in found.keys() - signed.keys()}
    resized = extra & missing  # shard hashing: a file of another length has other shard names
    return ([f"{f}: changed (its bytes differ from the signed digest)"
             for f in sorted(changed | resized)]
            + [f"{f}: signed but missing" for f in sorted(missing - resized - changed)]
            + [f"{f}: present but not signed (added)" for f in sorted(extra - resized - changed)])


def _file_of(name: str) -> str:
    parts = name.rsplit(":", 2)
    return parts[0] if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit() else name


def unreadable_manifest(report: VerificationReport, path: Path, error: BundleError) -> None:
    """A signed bundle whose manifest no longer parses is a verdict, not a crash: the files are
    compared with the statement in model.sig (which needs no manifest), naming what changed;
    every check that needs the manifest is skipped with the reason."""
    try:
        facts = read_signature(path / SIGNATURE)
        findings = _digest_findings(facts, _found(_hashing(facts.serialization).hash(path)))
    except (SignatureFormatError, ValueError, OSError) as e:
        findings = [f"{SIGNATURE}: {e}"]
    report.check("digests").fail(*(findings or [str(error)]))
    why = f"{MANIFEST} cannot be read ({error}), so the model and its signer are unknown"
    for c in report.checks:
        if c.name != "digests":
            c.skip(why)

