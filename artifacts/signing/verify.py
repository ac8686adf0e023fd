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

import json
import platform
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from types import MappingProxyType

import numpy as np

from artifacts.bundle import (
    MANIFEST,
    PARITY_TOLERANCE,
    SIGNATURE,
    Bundle,
    Contract,
    GoldenSet,
    Manifest,
    ModelCardFacts,
    OnnxScorer,
    ReasonCodes,
    golden_feeds,
    load_bundle,
    sha256_bytes,
    sha256_file,
    top_reasons,
)
from artifacts.documents import DocumentError
from artifacts.errors import BundleError, VerificationError
from artifacts.signing._digests import signature_and_digests, unreadable_manifest
from artifacts.signing.report import Check, SignerFacts, VerificationReport, VerifierFacts
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


@dataclass(frozen=True)
class VerifiedBundle:
    """A bundle that passed every check, with the bytes that were checked: `read(name)` gives a
    file as verification read it and proved it against the signed manifest, so whoever serves
    or imports it neither reads nor hashes it again (and a file swapped on disk afterwards is
    never used)."""

    path: Path
    manifest: Manifest
    manifest_sha256: str  # of manifest.json, whose bytes the signature covers
    report: VerificationReport
    contents: Mapping[str, bytes]

    def read(self, name: str) -> bytes:
        return self.contents[name]

    def document(self, name: str) -> dict:
        return json.loads(self.contents[name])


def verify_bundle(path: Path | str, *, catalogue: Catalogue, region: str,
                  purpose: Purpose = Purpose.IMPORT, against: Path | None = None,
                  manifest_digest: str | None = None) -> VerificationReport:
    """Verify `path` for `purpose` under `region`'s trust policy; the report says why not.

    `against`: another copy that must be identical; `manifest_digest` (`sha256:<hex>`): the
    digest a deployment pinned for manifest.json, so a different (even validly signed) bundle
    is refused.
    """
    return _verify(path, catalogue, region, purpose, against, manifest_digest)[0]


def open_verified(path: Path | str, *, catalogue: Catalogue, region: str,
                  purpose: Purpose = Purpose.IMPORT, against: Path | None = None,
                  manifest_digest: str | None = None) -> VerifiedBundle:
    """`verify_bundle`, returning the verified bundle; a `VerificationError` (holding the report)
    if any check failed."""
    report, reads, bundle = _verify(path, catalogue, region, purpose, against, manifest_digest)
    if not report.passed or bundle is None or reads is None:
        raise VerificationError(f"{path}: refused by {region} for {purpose.value}: "
                                + "; ".join(report.failures() or ["verification incomplete"]),
                                report)
    return VerifiedBundle(bundle.path, bundle.manifest, bundle.manifest_sha256, report,
                          MappingProxyType(dict(reads.data)))


def _verify(path: Path | str, catalogue: Catalogue, region: str, purpose: Purpose,
            against: Path | None, manifest_digest: str | None
            ) -> tuple[VerificationReport, _ProvenReads | None, Bundle | None]:
    policy = load_trust_policy(catalogue, region)
    report = VerificationReport(
        bundle=str(Path(path).resolve()), region=region, purpose=purpose.value,
        trust_policy=str(policy.path), verified_at=datetime.now(UTC).isoformat(timespec="seconds"),
        verifier=VerifierFacts(host=platform.node(), platform=platform.platform(terse=True),
                               onnxruntime=metadata.version("onnxruntime"),
                               model_signing=metadata.version("model-signing")),
        checks=[Check(n, _TITLES[n]) for n in _TITLES
                if (n != "against" or against) and (n != "pinned" or manifest_digest)])
    check = report.check
    try:
        bundle = load_bundle(path)
    except BundleError as e:
        if not (Path(path) / MANIFEST).is_file() or not (Path(path) / SIGNATURE).is_file():
            raise  # not a signed bundle at all: a mistake, not a verdict
        unreadable_manifest(report, Path(path), e)
        return report, None, None
    m = bundle.manifest
    report.model = {"name": m.model.name, "version": m.model.version, "family": m.model.family,
                    "contract_version": m.contract_version, "origin_region": m.origin_region,
                    "created_at": m.created_at}
    facts, entry = _signer(report, policy, bundle, purpose)
    start = time.perf_counter()
    hashed = signature_and_digests(report, bundle, facts, entry) if entry is not None else None
    proven = hashed is not None
    check("digests").seconds = time.perf_counter() - start  # the signature, then one hash pass
    reads = _ProvenReads(bundle, hashed or {})
    steps = [("manifest", _manifest), ("preprocessor", _preprocessor), ("golden", _golden)]
    for name, step in steps:
        start = time.perf_counter()
        if not proven:
            check(name).skip("the files are not proven to be what a trusted signer signed")
        else:
            step(check(name), bundle, facts, reads)
        check(name).seconds = time.perf_counter() - start
    if against is not None:
        _against(check("against"), bundle, Path(against))
    if manifest_digest is not None:
        actual = f"sha256:{bundle.manifest_sha256}"
        check("pinned").settle([] if actual == manifest_digest else [
            f"{MANIFEST}: expected {manifest_digest}, got {actual}"], f"{MANIFEST} is {actual}")
    return report, reads, bundle


class _ProvenReads:
    """Files as verification reads them: the bytes the signed digests were computed from
    (`hashed`), or else each file read once and checked against the signed manifest's digest
    as it is read (`_Changed` otherwise)."""

    def __init__(self, bundle: Bundle, hashed: dict[str, np.ndarray]) -> None:
        self.bundle, self.data, self.hashed = bundle, {}, hashed

    def read(self, name: str) -> bytes:
        if name not in self.data and name in self.hashed:  # proven: not hashed again
            self.data[name] = self.hashed.pop(name).tobytes()
        if name not in self.data:
            data = self.bundle.read(name)
            listed = self.bundle.manifest.files.get(name)
            if listed is None or sha256_bytes(data) != listed.sha256:
                raise _Changed(f"{name}: its bytes differ from the signed manifest's digest "
                               "(changed while being verified?)")
            self.data[name] = data
        return self.data[name]

    def document(self, name: str) -> dict:
        return json.loads(self.read(name))


class _Changed(Exception):
    pass


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
    report.signer = SignerFacts(kind=facts.kind.value, claimed=facts.claimed,
                                signed_at=facts.signed_at)
    entry = _matching(policy, facts)
    model = bundle.manifest.model.name
    if entry is None:
        signer.fail(f"{SIGNATURE}: {facts.claimed} is not in {policy.region}'s trust policy "
                    f"({policy.path})")
        signature.skip("the region holds no key or root for this signer")
        report.check("digests").skip("the signature cannot be checked")
        return facts, None
    report.signer.trusted_as = entry.name
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


def _manifest(check: Check, bundle: Bundle, facts: SignatureFacts, reads: _ProvenReads) -> None:
    listed = bundle.manifest.files
    signed = facts.resources()
    signed_manifest = _whole_digest(signed.get(MANIFEST, []), len(bundle.manifest_bytes))
    problems = [] if signed_manifest in (None, bundle.manifest_sha256) else [
        f"{MANIFEST}: the bytes read ({bundle.manifest_sha256}) are not the signed ones "
        f"({signed_manifest}); it changed while being verified"]
    problems += [f"{MANIFEST}: lists {n}, which is not signed" for n in sorted(listed.keys() -
                                                                               signed.keys())]
    problems += [f"{n}: signed but not listed in {MANIFEST}" for n in sorted(signed.keys() -
                                                                              listed.keys() -
                                                                              {MANIFEST})]
    for name in sorted(listed.keys() & signed.keys()):
        size = bundle.size(name)
        if listed[name].bytes != size:
            problems.append(f"{name}: {MANIFEST} says {listed[name].bytes} bytes, the signed "
                            f"file has {size}")
        whole = _whole_digest(signed[name], size)
        if whole is not None and whole != listed[name].sha256:
            problems.append(f"{name}: {MANIFEST} says sha256 {listed[name].sha256}, the "
                            f"signed digest is {whole}")
    sharded = sorted(n for n in listed.keys() & signed.keys()
                     if _whole_digest(signed[n], bundle.size(n)) is None)
    check.settle(problems, f"{len(listed)} files listed, each signed with the same size"
                 + (f"; {', '.join(sharded)} proven by signed shard digests (each byte is "
                    f"hashed once, so the whole-file digest {MANIFEST} lists for it is not "
                    "recomputed)" if sharded else " and digest"))


def _whole_digest(resources: list, size: int) -> str | None:
    """The file's plain SHA-256 if the statement holds it (file hashing, or a single shard)."""
    if len(resources) == 1 and resources[0][0] in (None, 0) and resources[0][1] in (None, size):
        return resources[0][2]
    return None


def _preprocessor(check: Check, bundle: Bundle, facts: SignatureFacts,
                  reads: _ProvenReads) -> None:
    name = "preprocessor.onnx"
    size = bundle.size(name)
    actual = (_whole_digest(facts.resources().get(name, []), size)
              or sha256_file(bundle.path / name))
    try:
        card = ModelCardFacts.from_json(reads.document("model_card.json"),
                                        source="model_card.json").preprocessor_sha256
    except (_Changed, DocumentError, ValueError) as e:
        check.fail(str(e))
        return
    problems = []
    if card != actual:
        problems.append(f"model_card.json: preprocessor_sha256 is {card}, {name} has {actual}")
    if bundle.manifest.preprocessor_sha256 != actual:
        problems.append(f"{MANIFEST}: preprocessor_sha256 is "
                        f"{bundle.manifest.preprocessor_sha256}, {name} has {actual}")
    check.settle(problems, f"{name} sha256 {actual} (model card and manifest agree)")


def _golden(check: Check, bundle: Bundle, facts: SignatureFacts, reads: _ProvenReads) -> None:
    try:
        contract = Contract.from_dict(reads.document("contract.json"))
        reasons = ReasonCodes.from_dict(reads.document("reason_codes.json"))
        golden = GoldenSet.from_json(reads.document("golden_set.json"),
                                     source="golden_set.json")
        feeds = golden_feeds(golden, contract)
        scorer = OnnxScorer.from_bytes(reads.read("model.onnx"), contract)
        got = scorer.probabilities(feeds)
        got_reasons = top_reasons(scorer.contributions(feeds, reasons.baseline), contract.names,
                                  reasons.top_n)
    except _Changed as e:
        check.fail(str(e))
        return
    except Exception as e:  # a signed but unusable model: report, never crash the audit
        check.fail(f"model.onnx: cannot be replayed here ({type(e).__name__}: {e})")
        return
    expected = np.asarray(golden.expected.probability, dtype=np.float64)
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
    moved = [i for i, (a, b) in enumerate(zip(got_reasons, golden.expected.reason_codes))
             if list(a) != list(b)]
    if moved:
        problems.append(f"golden_set.json: reason codes differ on {len(moved)} rows (first: row "
                        f"{moved[0]}, expected {golden.expected.reason_codes[moved[0]]}, "
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
