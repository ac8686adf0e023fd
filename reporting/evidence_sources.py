"""What the system holds about one model in one serving region, gathered for the evidence pack:
the registry entry (versions, aliases, lineage tags), the bundle's card facts and manifest, a
verification of the bundle under the region's trust policy now, the metric history across the
registry's versions, the decision log's counts and chain points for the period (from the
ledger's index) and the service's latest signed checkpoint.

Each source gives `Evidence` (a file for the pack, the crosswalk rows it supports, its facts)
or a `Gap` (the rows it would support and what would produce it). Sources that are not built
yet (an incident register) are gaps, never left out; so is a period with no DR drill on record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from artifacts.errors import ArtifactError
from regions import timezone_of
from reporting.errors import ReportError
from reporting.regimes import period as parse_period

LEDGER_ROWS = ("change-log", "tiering", "inventory-entry")
# Where a jurisdiction's reporting periods start and end (a quarter is the bank's quarter).


@dataclass(frozen=True)
class Evidence:
    id: str  # also its file name under evidence/ in the pack
    title: str  # English; the templates translate the known ones
    supports: tuple[str, ...]  # crosswalk artifact ids
    data: bytes
    facts: dict = field(default_factory=dict)
    status: str = "present"  # present | partial | failed
    note: str = ""  # what is missing from a partial piece, or why it failed


@dataclass(frozen=True)
class Gap:
    supports: tuple[str, ...]
    missing: str
    produce: str  # what would produce it


@dataclass(frozen=True)
class Period:
    label: str
    first: str  # first day, ISO
    last: str  # last day, ISO
    timezone: str
    start: str  # decided_at bounds, UTC: start <= t < end
    end: str


def reporting_period(label: str, jurisdiction: str) -> Period:
    """The period's days in the region's time zone, and its bounds as `decided_at` strings."""
    first, last = parse_period(label)
    zone = ZoneInfo(timezone_of(jurisdiction))
    utc = ZoneInfo("UTC")
    start = datetime.combine(first, time(), zone).astimezone(utc)
    end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(utc)
    return Period(label, first.isoformat(), last.isoformat(), zone.key,
                  start.isoformat(timespec="microseconds"), end.isoformat(timespec="microseconds"))


def quarter_of(when: datetime, jurisdiction: str) -> str:
    """The reporting quarter (`2026Q4`) `when` falls in, in the jurisdiction's time zone."""
    local = when.astimezone(ZoneInfo(timezone_of(jurisdiction)))
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def as_json(doc: object) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()


def registry_entry(registry, model: str, region: str, manifest_tag: str) -> tuple[list, Evidence]:
    """(versions with tags, the registry evidence); `ReportError` for an unknown model."""
    versions = registry.versions(model)
    if not versions:
        known = ", ".join(registry.model_names()) or "none"
        raise ReportError(f"model {model!r}: not in region {region}'s registry (models: {known})")
    aliases = registry.aliases(model)
    from artifacts.registry.protocol import redact

    entry = {"model": model, "region": region, "registry": redact(registry.tracking_uri),
             "versions": [{"version": v, "aliases": sorted(a for a, t in aliases.items()
                                                           if t == v),
                           "tags": {k: t for k, t in sorted(tags.items())
                                    if k.startswith("seawall.")}} for v, tags in versions]}
    return versions, Evidence(
        "registry.json", "Model inventory entry and change log (registry)",
        ("inventory-entry", "change-log"), as_json(entry),
        {"versions": len(versions), "aliases": aliases,
         "manifest_sha256": {v: t.get(manifest_tag) for v, t in versions}})


def promotion_ledger(home: Path, region: str, model: str) -> Evidence | Gap:
    """The model's inventory row, every transition with its approvals (and any champion-
    challenger evidence) and every refused promotion, from the region's promotion ledger."""
    from artifacts.registry.governance import STORE, governance
    from regions import region_home

    if not (region_home(home, region) / STORE).is_file():
        return Gap(LEDGER_ROWS, "the promotion ledger and the model inventory",
                   "seawall import, then seawall approve and seawall promote")
    with governance(home, region) as gov:
        row = gov.inventory.get(model, region)
        moves = gov.log.history(model)
        refused = gov.log.refusals(model)
        broken = gov.log.verify()
    doc = {"inventory": row.to_json() if row else None,
           "transitions": [{"seq": seq, "hash": digest, **vars(t)} for seq, digest, t in moves],
           "refusals": [dict(zip(("refused_at", "version", "to_state", "reason"), r))
                        for r in refused], "chain_intact": broken is None}
    facts = {"transitions": len(moves), "approvals": sum(len(t.approvals) for *_, t in moves),
             "refusals": len(refused), "tier": row.tier if row else None,
             "status": row.status if row else None}
    return Evidence("promotion-ledger.json", "Promotion ledger: transitions, approvals and "
                    "refusals", LEDGER_ROWS, as_json(doc), facts,
                    status="present" if broken is None else "failed",
                    note="" if broken is None else f"the ledger's chain is broken at #{broken}")


def bundle_documents(bundle: Path, version: str) -> list[Evidence]:
    """The signed card facts and manifest, byte for byte as they are in the bundle."""
    card = (bundle / "model_card.json").read_bytes()
    manifest = (bundle / "manifest.json").read_bytes()
    facts = json.loads(card)
    lineage = json.loads(manifest).get("lineage", {})
    return [
        Evidence(f"model_card-v{version}.json", "Model card facts (signed)",
                 ("development-documentation", "tiering", "data-governance-sheet"), card,
                 {"risk_tier": facts.get("risk_tier"), "owner": facts.get("owner"),
                  "data_sha256": facts.get("data", {}).get("snapshot_sha256"),
                  "rows": facts.get("data", {}).get("rows"),
                  "data_classes": facts.get("data", {}).get("data_classes"),
                  "trained_in": facts.get("trained_in", {}).get("region")}),
        Evidence(f"manifest-v{version}.json", "Bundle manifest and lineage (signed)",
                 ("development-documentation", "change-log"), manifest,
                 {k: lineage.get(k) for k in ("git_sha", "data_sha256", "spec_sha256",
                                              "lock_sha256")}),
    ]


def verification(bundle: Path, version: str, catalogue, region: str) -> Evidence:
    """The bundle verified now under the region's trust policy (purpose serve)."""
    from artifacts.signing import Purpose, verify_bundle

    report = verify_bundle(bundle, catalogue=catalogue, region=region, purpose=Purpose.SERVE)
    return Evidence(f"verification-v{version}.json", "Signature and hash verification",
                    ("development-documentation", "change-log"), as_json(report.to_json()),
                    {"passed": report.passed, "signer": report.signer.claimed,
                     "trusted_as": report.signer.trusted_as},
                    status="present" if report.passed else "failed",
                    note="" if report.passed else "; ".join(report.failures()))


def metric_history(store: Path, versions: list, manifest_tag: str) -> Evidence:
    """Test AUC, KS and Brier of every version still held in the region, oldest first."""
    from artifacts.registry import bundle_with_digest

    history = []
    for version, tags in versions:
        try:
            bundle = bundle_with_digest(store, tags.get(manifest_tag), f"version {version}")
            test = json.loads((bundle / "model_card.json").read_bytes())["metrics"]["test"]
        except (ArtifactError, OSError, KeyError, ValueError):
            continue  # a version whose bundle is gone is listed in the registry evidence
        history.append({"version": version, "auc": test["auc"], "ks": test["ks"],
                        "brier": test["brier"], "rows": test["rows"]})
    return Evidence("metric_history.json", "Metric history across versions (test split)",
                    ("development-documentation",), as_json(history), {"history": history})


def decision_log(url: str, model: str, period: Period) -> Evidence:
    """Counts and chain points of the model's decisions in the period, from the index."""
    from artifacts.ledger import open_store

    try:
        store = open_store(url, read_only=True)
    except ArtifactError as e:
        raise ReportError(f"decision log: {e}") from None
    try:
        s = store.summary(model, period.start, period.end)
    finally:
        store.close()
    if not s.decisions:
        seen = (f"its decisions span {s.span[0][:10]} to {s.span[1][:10]}" if s.span
                else "it holds none of this model")
        raise ReportError(f"period {period.label}: model {model!r} has no decisions from "
                          f"{period.first} to {period.last} ({period.timezone}) in "
                          f"{store.location}; {seen}")
    doc = {"log": store.location, "model": model, "period": period.__dict__,
           "decisions": s.decisions,
           "versions": [v.__dict__ for v in s.versions],
           "first": s.first.__dict__, "last": s.last.__dict__,
           "head": s.head.__dict__ if s.head else None}
    return Evidence("decisions.json", "Decision log: counts and chain points for the period",
                    ("override-log",), as_json(doc),
                    {"decisions": s.decisions, "last_hash": s.last.hash, "last_seq": s.last.seq,
                     "versions": [v.__dict__ for v in s.versions]},
                    status="partial", note="automatic decisions are logged and hash-chained; "
                    "human overrides are not recorded yet")


def checkpoint(directory: Path) -> Evidence | Gap:
    """The service's latest signed checkpoint of the log (a C2SP signed note), as written."""
    note = directory / "latest.note"
    if not note.is_file():
        return Gap(("override-log",), "a signed checkpoint of the decision log",
                   "seawall serve --checkpoint-key KEY --checkpoint-dir DIR")
    data = note.read_bytes()
    lines = data.decode("utf-8", "replace").splitlines()
    facts = {"origin": lines[0] if lines else "", "size": lines[1] if len(lines) > 1 else "",
             "root": lines[2] if len(lines) > 2 else ""}
    return Evidence("checkpoint.note", "Signed checkpoint of the decision log",
                    ("override-log",), data, facts)


MONITORING = ("monitoring-report", "post-market-monitoring-plan")
NO_ROLLUP = "no quarterly roll-up is on record for the period (seawall monitor rollup)"


def monitoring(url: str, model: str, period: Period) -> list[Evidence | Gap]:
    """The period's monitoring roll-up (or, without one, its reports) and the outcomes analysis
    they hold, from the ledger's store; gaps naming the command where there are none."""
    from artifacts.ledger import open_store

    try:
        store = open_store(url, read_only=True)
        try:
            rollups = store.documents("monitoring_rollup", model, period.start, period.end)
            reports = [json.loads(b) for b in store.documents("monitoring_report", model,
                                                              period.start, period.end)]
        finally:
            store.close()
    except ArtifactError as e:
        raise ReportError(f"decision log: {e}") from None
    found: list[Evidence | Gap] = []
    if rollups:
        doc = json.loads(rollups[-1])
        uncovered = doc["days_uncovered"]
        found.append(Evidence(
            "monitoring-rollup.json", "Monitoring roll-up for the period", MONITORING,
            rollups[-1].encode(), {"windows": len(doc["windows"]), "alerts": {
                s: sum(a["windows"] for a in doc["alerts"] if a["severity"] == s)
                for s in ("P1", "P2")}, "days_uncovered": uncovered},
            status="partial" if uncovered else "present",
            note=f"days no monitoring window covered: {', '.join(uncovered)}" if uncovered
            else ""))
    elif reports:
        found.append(Evidence("monitoring-reports.json", "Monitoring reports of the period",
                              MONITORING, as_json(reports), {"reports": len(reports)},
                              status="partial", note=NO_ROLLUP))
    else:
        found.append(Gap(MONITORING, "monitoring reports and roll-ups for the period",
                         "seawall monitor run for the period's windows, then seawall monitor "
                         f"rollup --quarter {period.label}"))
    performance = [{"window": r["window"], "cohort": f"{c['role']} v{c['model_version']}",
                    "finding": f} for r in reports for c in r["cohorts"] for f in c["findings"]
                   if f["detector"] in ("auc", "calibration", "delong")
                   and f["verdict"] != "insufficient"]
    found.append(Evidence("outcomes-analysis.json", "Outcomes analysis: AUC, calibration and "
                          "DeLong on observed defaults", ("outcomes-analysis",),
                          as_json(performance), {"findings": len(performance)})
                 if performance else
                 Gap(("outcomes-analysis",), "an outcomes analysis (backtest on observed "
                     "defaults)", "seawall outcomes load, then seawall monitor run"))
    return found


def not_yet_recorded() -> list[Gap]:
    """What the system does not produce yet, with what would produce it."""
    return [
        Gap(("validation-report",), "an independent validation report",
            "the validator's report itself: its approval is in promotion-ledger.json, under the "
            "change ticket it names"),
        Gap(("incident-log",), "the incident log", "seawall incident (not built); rollbacks "
            "and refused promotions are in promotion-ledger.json"),
    ]


DRILL_PRODUCE = "seawall drill run --from <region> --to <its DR pair> (docs/sre.md)"


def drills(url: str, model: str, period: Period) -> Evidence | Gap:
    """The period's DR drill reports from the ledger's store: partial when a drill missed a
    target (the pack says which), a gap naming the command when there is none."""
    from artifacts.drill_report import DRILL_KIND, DrillReport
    from artifacts.ledger import open_store

    try:
        store = open_store(url, read_only=True)
        try:
            bodies = store.documents(DRILL_KIND, model, period.start, period.end)
        finally:
            store.close()
        reports = [DrillReport.from_json(json.loads(b), source="the ledger's drill report")
                   for b in bodies]
    except ArtifactError as e:
        raise ReportError(f"decision log: {e}") from None
    if not reports:
        return Gap(("dr-evidence",), "DR drill reports", DRILL_PRODUCE)
    missed = [f"{r.drill_id}: {', '.join(k for k, ok in r.results().items() if not ok)}"
              for r in reports if not r.passed]
    facts = {"drills": len(reports), "passed": len(reports) - len(missed),
             "worst_rto_s": max(r.figures.rto_s for r in reports),
             "rpo_lost": sum(r.figures.rpo_lost for r in reports),
             "failed_requests": sum(r.figures.failed_requests for r in reports),
             "faults": sorted({r.fault for r in reports})}
    return Evidence("dr-drills.json", "DR drill reports of the period", ("dr-evidence",),
                    as_json([r.to_json() for r in reports]), facts,
                    status="partial" if missed else "present",
                    note=f"targets missed: {'; '.join(missed)}" if missed else "")
