"""The evidence pack (hồ sơ mô hình): everything the system holds about one model in one serving
region over a reporting period, organised by the Vietnamese target templates (Circular 13's
appendices, Circular 83/2025's articles from 1 Jul 2026) with, for each item, the source
regimes' items it satisfies; every piece of evidence listed with its SHA-256 and every missing
piece shown as a gap with what would produce it.

`seawall report evidence` writes the pack as a directory: `evidence/` (the pieces, byte for
byte), `pack.json` (the document below), the rendered pages, `manifest.json` (every file and its
SHA-256) and `pack.sig` (a Sigstore bundle over all of them, made with the project's signing).
`seawall report verify PACK` checks it (`reporting.pack_verify`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime

from artifacts.bundle import sha256_bytes
from reporting.errors import ReportError
from reporting.evidence_sources import Evidence, Gap, Period
from reporting.regimes import VERIFY, crosswalk, in_force, transitions

PACK_FORMAT = "seawall.evidence_pack/v1"
TARGETS = ("circular-13-2018", "circular-83-2025")  # the templates the pack is organised by
SOURCES = ("sr-11-7", "sr-26-2", "pra-ss1-23", "eu-ai-act")
STATUS_ORDER = ("failed", "partial", "present")


class PackFormat(str, enum.Enum):
    HTML = "html"
    PDF = "pdf"
    JSON = "json"


@dataclass(frozen=True)
class Subject:
    model: str
    version: str
    region: str
    bundle: str
    manifest_sha256: str


def assemble(subject: Subject, period: Period, evidence: list[Evidence], gaps: list[Gap],
             regimes: list, generated_at: datetime | None = None) -> dict:
    """The pack document: subject, period, regimes in force and in transition, the evidence
    (each with its SHA-256), the gaps, and the sections of each target template."""
    first, last = date.fromisoformat(period.first), date.fromisoformat(period.last)
    current = in_force(regimes, first, last)
    current_ids = {r.id for r in current}
    names, artifacts = crosswalk()
    supported = {s for e in evidence for s in e.supports}
    unknown = supported - {a.id for a in artifacts}
    if unknown:
        raise ReportError(f"evidence names crosswalk rows that do not exist: {sorted(unknown)}")
    rows = {a.id: _row(a, evidence, gaps, current_ids, names) for a in artifacts}
    sections = []
    for target in [t for t in TARGETS if t in current_ids]:
        groups: dict[str, list[dict]] = {}
        for a in artifacts:
            cell = a.cells[target]
            groups.setdefault(cell.cite or "", []).append(
                {**rows[a.id], "target": {"cite": cell.cite, "confidence": cell.confidence,
                                          "caveat": cell.caveat, "note": cell.note}})
        phase = next((r for r in regimes if r.id == f"{target}-model-risk"), None)
        sections.append({"regime": target, "name": names[target],
                         "model_risk_from": phase.start.isoformat()
                         if phase is not None and phase.id not in current_ids else None,
                         "groups": [{"cite": cite or None, "rows": group}
                                   for cite, group in sorted(groups.items(),
                                                             key=lambda g: (not g[0], g[0]))]})
    return {
        "format": PACK_FORMAT,
        "generated_at": (generated_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "subject": subject.__dict__,
        "period": period.__dict__,
        "regimes": [{"id": r.id, "name": r.name, "from": r.start.isoformat(),
                     "until": r.end.isoformat() if r.end else None,
                     "confidence": r.confidence, "caveat": "" if r.confidence == "C" else VERIFY}
                    for r in current],
        "transitions": [{"on": t.on.isoformat(), "kind": t.kind, "regime": t.regime.id,
                         "name": t.regime.name, "confidence": t.regime.confidence}
                        for t in transitions(regimes, first, last)],
        "evidence": [{"id": e.id, "title": e.title, "file": f"evidence/{e.id}",
                      "sha256": sha256_bytes(e.data), "bytes": len(e.data),
                      "supports": list(e.supports), "status": e.status, "note": e.note,
                      "facts": e.facts} for e in evidence],
        "gaps": [{"supports": list(g.supports), "missing": g.missing, "produce": g.produce}
                 for g in gaps],
        "summary": {"artifacts": len(artifacts), "with_evidence": len(supported),
                    "gaps": sum(r["status"] == "missing" for r in rows.values())},
        "sections": sections,
    }


def _row(artifact, evidence: list[Evidence], gaps: list[Gap], current: set[str],
         names: dict[str, str]) -> dict:
    pieces = [e for e in evidence if artifact.id in e.supports]
    missing = [g for g in gaps if artifact.id in g.supports]
    statuses = {e.status for e in pieces}
    status = next((s for s in STATUS_ORDER if s in statuses), "missing")
    sources = []
    for regime in SOURCES:
        cell = artifact.cells.get(regime)
        if cell is None or cell.cite is None or (regime.startswith("sr-") and
                                                 regime not in current):
            continue
        sources.append({"regime": regime, "name": names[regime], "cite": cell.cite,
                        "confidence": cell.confidence, "caveat": cell.caveat,
                        "in_force": regime in current})
    return {"id": artifact.id, "name": artifact.name, "status": status,
            "evidence": [e.id for e in pieces],
            "notes": [e.note for e in pieces if e.note],
            "gaps": [{"missing": g.missing, "produce": g.produce} for g in missing],
            "sources": sources}


def pick_version(versions: list, wanted: str | None, model: str, region: str) -> tuple:
    """(version, tags): `wanted`, or the newest."""
    if wanted is None:
        return versions[-1]
    for version, tags in versions:
        if version == wanted:
            return version, tags
    raise ReportError(f"model {model!r} has no version {wanted} in region {region} (versions: "
                      f"{', '.join(v for v, _ in versions)})")
