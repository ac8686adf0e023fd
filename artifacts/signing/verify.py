"""`seawall verify`: is this bundle exactly what a signer trusted by this region signed, and does
it score the same here?

Checks, in order (a later check runs only when the bundle's bytes are proven first):

1. signer: the signature's signer is in the region's trust policy, for this purpose and model;
2. signature: the Sigstore bundle verifies with that signer's key, or its certificate chains to
   the policy's roots and is valid now (model-signing does the cryptography);
3. digests: every file matches the signed in-toto statement: none missing, added or changed;
4. manifest: `manifest.json` (signed) lists exactly the signed files, with their sizes and digests;
5. preprocessor: the preprocessor's SHA-256 equals the one on the signed model card;
6. golden: the golden set replayed on this machine's onnxruntime is within 1e-5, same reasons;
7. against (optional): another copy of the bundle is identical in every digest.
"""

from __future__ import annotations

import ast
import platform
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import model_signing
import numpy as np

from artifacts.bundle import (
    MANIFEST,
    PARITY_TOLERANCE,
    SIGNATURE,
    Bundle,
    Contract,
    OnnxScorer,
    ReasonCodes,
    golden_feeds,
    load_bundle,
    sha256_file,
    top_reasons,
)
from artifacts.signing.report import Check, VerificationReport
from artifacts.signing.signature import SignatureFacts, SignatureFormatError, read_signature
from artifacts.signing.trust import (
    Purpose,
    SignerKind,
    TrustedSigner,
    TrustPolicy,
    load_trust_policy,
)
from regions import Catalogue

_TITLES = {
    "signer": "the signer is trusted by the region for this purpose and model",
    "signature": "the signature over the in-toto statement is valid",
    "digests": "every file matches the signed statement (none missing, added or changed)",
    "manifest": "manifest.json lists exactly the signed files, sizes and digests",
    "preprocessor": "the preprocessor's SHA-256 equals the one on the signed model card",
    "golden": f"the golden set replays on this onnxruntime within {PARITY_TOLERANCE:g}, "
              "with identical reason codes",
    "against": "the other copy is identical in every digest",
    "pinned": "manifest.json has the digest the deployment pinned",
}


def verify_bundle(path: Path | str, *, catalogue: Catalogue, region: str,
                  purpose: Purpose = Purpose.IMPORT, against: Path | None = None,
                  manifest_digest: str | None = None) -> VerificationReport:
    """Verify `path` for `purpose` under `region`'s trust policy.

    `against`: another copy that must be identical; `manifest_digest` (`sha256:<hex>`): the
    digest a deployment pinned for manifest.json, so a different (even validly signed) bundle
    is refused.
    """
    bundle = load_bundle(path)
    policy = load_trust_policy(catalogue, region)
    m = bundle.manifest
    report = VerificationReport(
        bundle=str(bundle.path.resolve()), region=region, purpose=purpose.value,
        trust_policy=str(policy.path), verified_at=datetime.now(UTC).isoformat(timespec="seconds"),
        verifier={"host": platform.node(), "platform": platform.platform(terse=True),
                  "onnxruntime": metadata.version("onnxruntime"),
                  "model_signing": metadata.version("model-signing")},
        model={**m["model"], "contract_version": m["contract_version"],
               "origin_region": m["origin_region"], "created_at": m["created_at"]},
        checks=[Check(n, _TITLES[n]) for n in _TITLES
                if (n != "against" or against) and (n != "pinned" or manifest_digest)])
    check = report.check
    facts, entry = _signer(report, policy, bundle, purpose)
    start = time.perf_counter()
    proven = entry is not None and _signature_and_digests(report, bundle, facts, entry)
    check("digests").seconds = time.perf_counter() - start  # signature + hashing, one pass
    steps = [("manifest", _manifest), ("preprocessor", _preprocessor), ("golden", _golden)]
    for name, step in steps:
        start = time.perf_counter()
        if not proven:
            check(name).skip("the files are not proven to be what a trusted signer signed")
        else:
            step(check(name), bundle, facts)
        check(name).seconds = time.perf_counter() - start
    if against is not None:
        _against(check("against"), bundle, Path(against))
    if manifest_digest is not None:
        actual = f"sha256:{sha256_file(bundle.path / MANIFEST)}"
        check("pinned").settle([] if actual == manifest_digest else [
            f"{MANIFEST}: expected {manifest_digest}, got {actual}"], f"{MANIFEST} is {actual}")
    return report


def _signer(report: VerificationReport, policy: TrustPolicy, bundle: Bundle, purpose: Purpose
            ) -> tuple[SignatureFacts | None, TrustedSigner | None]:
    """The signature's claims and the policy entry they match (None, None: nothing to check)."""
    signer, signature = report.check("signer"), report.check("signature")
    try:
        facts = read_signature(bundle.path / SIGNATURE)
    except SignatureFormatError as e:
        signer.fail(f"{SIGNATURE}: {e}")
        signature.skip("there is no readable signature")
        report.check("digests").skip("there is no readable signature")
        return None, None
    report.signer = {"kind": facts.kind.value, "claimed": facts.claimed,
                     "signed_at": facts.signed_at}
    entry = _matching(policy, facts)
    model = bundle.manifest["model"]["name"]
    if entry is None:
        signer.fail(f"{SIGNATURE}: {facts.claimed} is not in {policy.region}'s trust policy "
                    f"({policy.path})")
        signature.skip("the region holds no key or root for this signer")
        report.check("digests").skip("the signature cannot be checked")
        return facts, None
    report.signer["trusted_as"] = entry.name
    if entry.allows(purpose, model):
        signer.ok(f"'{entry.name}': {entry.described}, trusted for "
                  f"{', '.join(sorted(p.value for p in entry.purposes))} of {list(entry.models)}")
    else:
        signer.fail(f"{SIGNATURE}: '{entry.name}' is trusted by {policy.region} only for "
                    f"{sorted(p.value for p in entry.purposes)} of models {list(entry.models)}, "
                    f"not for {purpose.value} of '{model}'")
    return facts, entry


def _matching(policy: TrustPolicy, facts: SignatureFacts) -> TrustedSigner | None:
    for s in policy.of_kind(facts.kind):
        if facts.kind is SignerKind.KEY and s.fingerprint == facts.fingerprint:
            return s
        if facts.kind is SignerKind.CERTIFICATE and (s.subject, s.issuer) == (facts.subject,
                                                                               facts.issuer):
            return s
        if facts.kind is SignerKind.SIGSTORE and (s.identity, s.oidc_issuer) == (
                facts.identity, facts.oidc_issuer):
            return s
    return None


def _signature_and_digests(report: VerificationReport, bundle: Bundle, facts: SignatureFacts,
                           entry: TrustedSigner) -> bool:
    signature, digests = report.check("signature"), report.check("digests")
    serialization = facts.serialization
    if serialization.get("ignore_paths", []) != [SIGNATURE]:
        signature.fail(f"{SIGNATURE}: the signed statement must leave out only {SIGNATURE} "
                       f"(it leaves out {serialization.get('ignore_paths')})")
        digests.skip("the statement does not cover the whole bundle")
        return False
    if facts.kind is SignerKind.CERTIFICATE:
        expired = _outside_validity(facts)
        if expired:
            signature.fail(f"{SIGNATURE}: {expired}")
            digests.skip("the signing certificate is not valid now")
            return False
    with tempfile.TemporaryDirectory(prefix="seawall-verify-") as tmp:
        try:
            config = _verifier(entry, Path(tmp)).set_hashing_config(_hashing(serialization))
            config.verify(bundle.path, bundle.path / SIGNATURE)
        except ValueError as e:
            if not str(e).startswith("Signature mismatch:"):
                return _bad_signature(signature, digests, e)
            signature.ok(f"verified with '{entry.name}' ({entry.described})")
            digests.fail(*_digest_findings(str(e).removeprefix("Signature mismatch:").strip()))
            return False
        except Exception as e:  # cryptography, OpenSSL and sigstore raise their own types
            return _bad_signature(signature, digests, e)
    signature.ok(f"verified with '{entry.name}' ({entry.described})")
    resources = facts.resources()
    digests.ok(f"{len(resources)} files, {sum(len(r) for r in resources.values())} signed "
               f"digests ({serialization.get('hash_type')}, {serialization.get('method')}), "
               f"{sum(_size(bundle, f) for f in resources):,} bytes")
    return True


def _bad_signature(signature: Check, digests: Check, e: Exception) -> bool:
    signature.fail(f"{SIGNATURE}: {type(e).__name__}: {e}".rstrip(": "))
    digests.skip("the signature is not valid")
    return False


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


def _digest_findings(raw: str) -> list[str]:
    """model-signing's list of differences, as one line per file."""
    try:
        items = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return [raw]
    extra, missing, changed = set(), set(), set()
    for item in items:
        head, _, names = item.partition(": ")
        if item.startswith("Extra files"):
            extra |= {_file_of(n) for n in names.split(", ")}
        elif item.startswith("Missing files"):
            missing |= {_file_of(n) for n in names.split(", ")}
        elif item.startswith("Hash mismatch for '"):
            changed.add(_file_of(item.split("'")[1]))
    resized = extra & missing  # shard hashing: a file of another length has other shard names
    return ([f"{f}: changed (its bytes differ from the signed digest)" for f in sorted(changed |
                                                                                      resized)]
            + [f"{f}: signed but missing" for f in sorted(missing - resized)]
            + [f"{f}: present but not signed (added)" for f in sorted(extra - resized)])


def _file_of(name: str) -> str:
    parts = name.rsplit(":", 2)
    return parts[0] if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit() else name


def _size(bundle: Bundle, name: str) -> int:
    return (bundle.path / name).stat().st_size


def _manifest(check: Check, bundle: Bundle, facts: SignatureFacts) -> None:
    listed = bundle.manifest["files"]
    signed = facts.resources()
    problems = [f"{MANIFEST}: lists {n}, which is not signed" for n in sorted(listed.keys() -
                                                                               signed.keys())]
    problems += [f"{n}: signed but not listed in {MANIFEST}" for n in sorted(signed.keys() -
                                                                              listed.keys() -
                                                                              {MANIFEST})]
    for name in sorted(listed.keys() & signed.keys()):
        size = _size(bundle, name)
        if listed[name]["bytes"] != size:
            problems.append(f"{name}: {MANIFEST} says {listed[name]['bytes']} bytes, the signed "
                            f"file has {size}")
        whole = _whole_digest(signed[name], size)
        if whole is not None and whole != listed[name]["sha256"]:
            problems.append(f"{name}: {MANIFEST} says sha256 {listed[name]['sha256']}, the "
                            f"signed digest is {whole}")
    check.settle(problems, f"{len(listed)} files listed, each signed with the same size and digest")


def _whole_digest(resources: list, size: int) -> str | None:
    """The file's plain SHA-256 if the statement holds it (file hashing, or a single shard)."""
    if len(resources) == 1 and resources[0][0] in (None, 0) and resources[0][1] in (None, size):
        return resources[0][2]
    return None


def _preprocessor(check: Check, bundle: Bundle, facts: SignatureFacts) -> None:
    name = "preprocessor.onnx"
    size = _size(bundle, name)
    actual = _whole_digest(facts.resources().get(name, []), size) or sha256_file(bundle.path / name)
    card = bundle.document("model_card.json").get("preprocessor_sha256")
    problems = []
    if card != actual:
        problems.append(f"model_card.json: preprocessor_sha256 is {card}, {name} has {actual}")
    if bundle.manifest["preprocessor_sha256"] != actual:
        problems.append(f"{MANIFEST}: preprocessor_sha256 is "
                        f"{bundle.manifest['preprocessor_sha256']}, {name} has {actual}")
    check.settle(problems, f"{name} sha256 {actual} (model card and manifest agree)")


def _golden(check: Check, bundle: Bundle, facts: SignatureFacts) -> None:
    try:
        contract = Contract.from_dict(bundle.document("contract.json"))
        reasons = ReasonCodes.from_dict(bundle.document("reason_codes.json"))
        golden = bundle.document("golden_set.json")
        feeds = golden_feeds(golden, contract)
        scorer = OnnxScorer.from_bytes(bundle.read("model.onnx"), contract)
        got = scorer.probabilities(feeds)
        got_reasons = top_reasons(scorer.contributions(feeds, reasons.baseline), contract.names,
                                  reasons.top_n)
    except Exception as e:  # a signed but unusable model: report, never crash the audit
        check.fail(f"model.onnx: cannot be replayed here ({type(e).__name__}: {e})")
        return
    expected = np.asarray(golden["expected"]["probability"], dtype=np.float64)
    if got.shape != expected.shape:
        check.fail(f"golden_set.json: {len(expected)} expected scores for {len(got)} rows")
        return
    diff = np.abs(got - expected)
    worst = int(np.argmax(diff)) if len(diff) else 0
    problems = []
    if len(diff) and diff[worst] > PARITY_TOLERANCE:
        problems.append(f"golden_set.json: {int((diff > PARITY_TOLERANCE).sum())} of {len(diff)} "
                        f"rows differ by more than {PARITY_TOLERANCE:g} (worst: row {worst}, "
                        f"|Δ| {diff[worst]:.3e})")
    moved = [i for i, (a, b) in enumerate(zip(got_reasons, golden["expected"]["reason_codes"]))
             if list(a) != list(b)]
    if moved:
        problems.append(f"golden_set.json: reason codes differ on {len(moved)} rows (first: row "
                        f"{moved[0]}, expected {golden['expected']['reason_codes'][moved[0]]}, "
                        f"got {got_reasons[moved[0]]})")
    check.settle(problems, f"{len(diff)} rows, max |Δ| {float(diff.max(initial=0.0)):.2e}; "
                 "reason codes identical on every row")


def _against(check: Check, bundle: Bundle, other_path: Path) -> None:
    try:
        other = load_bundle(other_path)
    except Exception as e:
        check.fail(f"{other_path}: {e}")
        return
    mine, theirs = _file_digests(bundle.path), _file_digests(other.path)
    problems = [f"{n}: only in {bundle.path}" for n in sorted(mine.keys() - theirs.keys())]
    problems += [f"{n}: only in {other.path}" for n in sorted(theirs.keys() - mine.keys())]
    problems += [f"{n}: sha256 {mine[n]} here, {theirs[n]} in {other.path}"
                 for n in sorted(mine.keys() & theirs.keys()) if mine[n] != theirs[n]]
    check.settle(problems, f"{len(mine)} files identical to {other.path.resolve()} (including "
                 f"{SIGNATURE})")


def _file_digests(path: Path) -> dict[str, str]:
    return {p.name: sha256_file(p) for p in sorted(path.iterdir()) if p.is_file()}
