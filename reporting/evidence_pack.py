"""`seawall report evidence`: gather, assemble, render, then write and sign the pack.

The pack is built in a staging directory beside its target and renamed into place only once it
is signed, so a failed run leaves no half-written pack (and a re-run replaces the old pack in
one rename).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from artifacts.bundle import sha256_bytes, to_json
from artifacts.errors import ArtifactError
from reporting import evidence_sources as sources
from reporting.errors import ReportError
from reporting.evidence import PackFormat, Subject, assemble, pick_version
from reporting.regimes import calendar
from reporting.render import languages, pdf
from reporting.transfer import dossier_for_bundle

MANIFEST_FORMAT = "seawall.evidence_manifest/v1"
MANIFEST, SIGNATURE, DOCUMENT = "manifest.json", "pack.sig", "pack.json"


@dataclass(frozen=True, kw_only=True)
class PackRequest:
    model: str
    region: str
    period: str
    home: Path
    out: Path
    version: str | None = None  # None: the newest in the region's registry
    lang: str = "vi"  # en, vi or both (a page per language)
    formats: tuple[PackFormat, ...] = (PackFormat.HTML, PackFormat.PDF, PackFormat.JSON)
    catalogue: Path | None = None
    decision_log: str | None = None  # None: <home>/regions/<region>/decisions.db
    checkpoints: Path | None = None  # None: <home>/regions/<region>/checkpoints
    irb: bool = False
    key: Path | None = None  # signing key (PEM); None: the local key under <home>/keys


def build_pack(request: PackRequest, progress=None) -> Path:
    """Write the signed pack; its directory."""
    from artifacts.registry import MANIFEST_TAG, bundle_with_digest, region_registry
    from regions import Tier, load_catalogue, require_tier

    progress = progress or _Silent()
    langs = languages(request.lang)
    catalogue = load_catalogue(request.catalogue)
    region = catalogue.get(request.region)
    require_tier(region, Tier.SERVING)
    period = sources.reporting_period(request.period, region.jurisdiction)
    with progress.step(f"Registry: {request.model} in {request.region}"):
        try:
            registry, store = region_registry(request.home, request.region)
            versions, entry = sources.registry_entry(registry, request.model, request.region,
                                                     MANIFEST_TAG)
            version, tags = pick_version(versions, request.version, request.model,
                                         request.region)
            bundle = bundle_with_digest(store, tags.get(MANIFEST_TAG),
                                        f"{request.model} version {version}")
        except ArtifactError as e:
            raise ReportError(str(e)) from None
    with progress.step("Bundle: card facts, manifest, verification now"):
        evidence = [entry, *sources.bundle_documents(bundle, version),
                    sources.verification(bundle, version, catalogue, request.region),
                    sources.metric_history(store, versions, MANIFEST_TAG)]
        ledger = sources.promotion_ledger(request.home, request.region, request.model)
    with progress.step(f"Decision log: {period.first} to {period.last} ({period.timezone})"):
        log = request.decision_log or str(store / "decisions.db")
        evidence.append(sources.decision_log(log, request.model, period))
        gaps = sources.not_yet_recorded()
        (evidence if isinstance(ledger, sources.Evidence) else gaps).append(ledger)
        for piece in sources.monitoring(log, request.model, period):
            (evidence if isinstance(piece, sources.Evidence) else gaps).append(piece)
        found = sources.checkpoint(request.checkpoints or store / "checkpoints")
        (evidence if isinstance(found, sources.Evidence) else gaps).append(found)
        drilled = sources.drills(log, request.model, period)
        (evidence if isinstance(drilled, sources.Evidence) else gaps).append(drilled)
    with progress.step("Transfer: what crossed the border for this model"):
        evidence.append(dossier_for_bundle(bundle, region=request.region, catalogue=catalogue))
    subject = Subject(request.model, version, request.region, str(bundle),
                      tags.get(MANIFEST_TAG, ""))
    doc = assemble(subject, period, evidence, gaps, calendar(irb=request.irb))
    target = request.out / f"evidence-{request.model}-v{version}-{period.label}"
    with progress.step(f"Pack: rendering and signing {target}"):
        return _write(target, doc, evidence, langs, request)


def _write(target: Path, doc: dict, evidence: list, langs: list[str],
           request: PackRequest) -> Path:
    from artifacts.signing import Method, SignRequest, sign_directory
    from reporting.evidence_render import render_pack

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        (staging / "evidence").mkdir(parents=True)
        for piece in evidence:
            (staging / "evidence" / piece.id).write_bytes(piece.data)
        (staging / DOCUMENT).write_bytes(to_json(doc))
        for lang in langs:
            html = render_pack(doc, lang)
            if PackFormat.HTML in request.formats:
                (staging / f"evidence-{lang}.html").write_text(html, encoding="utf-8")
            if PackFormat.PDF in request.formats:
                (staging / f"evidence-{lang}.pdf").write_bytes(pdf(html))
        (staging / MANIFEST).write_bytes(to_json(manifest_of(staging)))
        sign_directory(SignRequest(bundle=staging, method=Method.KEY, home=request.home,
                                   key=request.key), SIGNATURE)
        _replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def manifest_of(directory: Path) -> dict:
    """Every file of the pack but the manifest and the signature, with its SHA-256."""
    files = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        name = path.relative_to(directory).as_posix()
        if name not in (MANIFEST, SIGNATURE):
            data = path.read_bytes()
            files[name] = {"sha256": sha256_bytes(data), "bytes": len(data)}
    return {"format": MANIFEST_FORMAT, "files": files}


class _Silent:
    @contextlib.contextmanager
    def step(self, title: str):
        yield


def _replace(staging: Path, target: Path) -> None:
    """Rename the signed pack into place; an older pack there is moved aside first and removed
    only after the rename."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.{secrets.token_hex(4)}.old")
        os.rename(target, old)
    os.rename(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
