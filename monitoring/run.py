"""`seawall monitor run`: one window of a region's decisions against the served bundle's signed
reference profile, per cohort (the champion, and the canary and shadow apart), under the
model's governed plan; the report is written under the region's home.

The decision log gives the monitor each decision's time, cohort, probability and application
id: the score's PSI (with its bins), KS and Wasserstein-1 against the profile's grid,
Page-Hinkley on the daily mean score and the daily approval rate, and the approval rate week
over week; with outcomes on record (`seawall outcomes load`), AUC against the reference
interval, calibration by decile and DeLong for champion vs shadow. The feature values the
service keeps beside the log (`decision_features`, for its retention period) give CSI per
feature and PCA-CSI per component, corrected across features (`monitoring.features`).

The report is recorded in the ledger's store (the `documents` table beside the decision log,
append-only: a rerun adds a newer report) and written as a file under the region's home for
people and pages; `monitor rollup` and `report evidence` read the store.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from artifacts.bundle import PROFILE_FILE, Contract, ReferenceProfile, load_bundle, sha256_file
from artifacts.ledger import open_store, write_atomically
from monitoring.errors import MonitoringError
from monitoring.evaluate import assess, champion_challenger, cohort_findings
from monitoring.features import feature_findings
from monitoring.outcomes import OUTCOMES, LoadResult, load_outcomes, outcomes_for
from monitoring.plan import MonitoringPlan, load_plan
from monitoring.report import Cohort, Finding, MonitoringReport
from regions import Catalogue, SeawallError, Tier, region_home, require_tier, timezone_of

_RELATIVE = re.compile(r"^last-([1-9][0-9]{0,2})-days$")
_WINDOW = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
REPORT_KIND = "monitoring_report"
NOT_RUN = [
    "CSI and PCA-CSI per feature for {cohorts}: no feature values are kept for the window's "
    "decisions{before} (the service keeps them for --feature-retention-days, 90 by default; 0 "
    "keeps none, and decisions logged before values were kept have none)",
    "AUC with interval, DeLong and calibration: no observed outcome is on record for the "
    "window's decisions (load them with `seawall outcomes load`)",
]


@dataclass(frozen=True, kw_only=True)
class MonitorRequest:
    region: str
    window: str  # FROM..TO, inclusive days in the region's time zone
    home: Path
    catalogue: Catalogue
    model: str | None = None  # None: the one model the region holds
    plan: Path | None = None
    decision_log: str | None = None  # None: the region's SQLite log
    bundles: tuple[Path, ...] = ()  # the served bundles; () = those imported under the home
    baseline: str = "bundle"  # or "window": the window of as many days just before


@dataclass(frozen=True)
class Window:
    label: str
    timezone: str
    start: str  # UTC decided_at bounds
    end: str
    days: int


def parse_window(text: str, timezone: str, today: date | None = None) -> Window:
    """FROM..TO (ISO dates), or relative to today in the region: `yesterday`, `today`,
    `last-N-days` (the N days before today), as a scheduled job needs."""
    today = today or datetime.now(ZoneInfo(timezone)).date()
    relative = _RELATIVE.match(text)
    if text in ("yesterday", "today") or relative:
        days = int(relative[1]) if relative else 1
        last = today if text == "today" else today - timedelta(days=1)
        text = f"{last - timedelta(days=days - 1)}..{last}"
    m = _WINDOW.match(text)
    if not m:
        raise MonitoringError(f"--window {text!r}: must be FROM..TO with ISO dates (e.g. "
                              "2026-11-01..2026-11-30), yesterday, today or last-N-days")
    try:
        first, last = date.fromisoformat(m[1]), date.fromisoformat(m[2])
    except ValueError as e:
        raise MonitoringError(f"--window {text!r}: {e}") from None
    if last < first:
        raise MonitoringError(f"--window {text!r}: ends before it starts")
    zone, utc = ZoneInfo(timezone), ZoneInfo("UTC")
    start = datetime.combine(first, time(), zone).astimezone(utc)
    end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(utc)
    return Window(text, timezone, start.isoformat(timespec="microseconds"),
                  end.isoformat(timespec="microseconds"), (last - first).days + 1)


def onshore_region(catalogue: Catalogue, name: str):
    region = catalogue.get(name)
    if not region.onshore:
        raise MonitoringError(f"region {region.name} is offshore: monitoring reads scored "
                              "rows and outcomes, which never leave the onshore serving regions",
                              next_step="run it in an onshore region")
    require_tier(region, Tier.SERVING)
    return region


def record_outcomes(request: MonitorRequest, path: Path) -> LoadResult:
    """`seawall outcomes load`: the file's outcomes for the model's decisions in the region."""
    region = onshore_region(request.catalogue, request.region)
    home = region_home(request.home, region.name)
    model = request.model or only_model(served_bundles(home), home)
    store = open_store(request.decision_log or str(home / "decisions.db"), read_only=True)
    try:
        known = store.application_ids(model)
    finally:
        store.close()
    return load_outcomes(path, home / OUTCOMES, known)


def previous(window: Window) -> Window:
    """The window of as many days that ends the day before `window` starts."""
    first = date.fromisoformat(window.label[:10])
    return parse_window(f"{first - timedelta(days=window.days)}.."
                        f"{first - timedelta(days=1)}", window.timezone)


def run_monitor(request: MonitorRequest) -> tuple[MonitoringReport, Path]:
    region = onshore_region(request.catalogue, request.region)
    if request.baseline not in ("bundle", "window"):
        raise MonitoringError(f"--baseline {request.baseline!r}: must be bundle (the signed "
                              "reference profile) or window (the window just before)")
    window = parse_window(request.window, timezone_of(region.jurisdiction))
    before = previous(window) if request.baseline == "window" else None
    home = region_home(request.home, region.name)
    bundles = [load_bundle(b) for b in request.bundles] or served_bundles(home)
    model = request.model or only_model(bundles, home)
    plan = load_plan(request.plan)
    if plan.model != model and request.plan is not None:
        raise MonitoringError(f"{request.plan}: the plan is for model {plan.model}, not {model}")
    store = open_store(log_url(request, home), read_only=True)
    try:
        summary = store.summary(model, window.start, window.end)
        if not summary.decisions:
            span = f"; its decisions run {summary.span[0]} to {summary.span[1]}" \
                if summary.span else "; the log holds none of this model"
            raise MonitoringError(f"no decisions of {model} in {window.label} "
                                  f"({window.timezone}){span}",
                                  next_step="choose a window with decisions")
        cohorts, scored, unkept = [], {}, []
        for group in summary.versions:
            profile, names = _profile(bundles, model, group.model_version, home)
            key = (model, group.model_version, group.role)
            rows = store.scores(*key, window.start, window.end)
            outcomes = outcomes_for(home / OUTCOMES, [r[2] for r in rows])
            baseline = None if before is None else np.array(
                [r[1] for r in store.scores(model, group.model_version, group.role,
                                            before.start, before.end)], dtype=np.float64)
            findings = cohort_findings(rows, profile, plan, window.timezone, outcomes,
                                       baseline)
            texts = store.features(*key, window.start, window.end)
            earlier = None if before is None else store.features(*key, before.start, before.end)
            if texts and (earlier is None or earlier):
                findings += [Finding.of(r) for r in _features(texts, names, profile, plan,
                                                               earlier, store.location)]
            else:
                unkept.append(f"{group.role} v{group.model_version}")
            scored[group.role] = (rows, outcomes)
            cohorts.append(Cohort(role=group.role, model_version=group.model_version,
                                  decisions=group.decisions, findings=findings))
    finally:
        store.close()
    if {"champion", "shadow"} <= scored.keys() and scored["champion"][1]:
        duel = champion_challenger(scored["champion"][0], scored["shadow"][0],
                                   scored["champion"][1], plan)
        cohorts = [replace(c, findings=[*c.findings, Finding.of(duel)]) if c.role == "shadow"
                   else c for c in cohorts]
    not_run = ([NOT_RUN[0].format(cohorts=", ".join(unkept), before="" if before is None else
                                  f" or for {before.label}")] if unkept else []) + \
        ([] if any(o for _, o in scored.values()) else NOT_RUN[1:])
    reference = None if before is None else f"the same cohort's decisions of {before.label}"
    report = _report(model, region.name, window, plan, cohorts, not_run, reference)
    text = report_text(report)
    record = open_store(log_url(request, home))
    try:  # the ledger's copy first: a report not on record is not written anywhere
        record.add_document(REPORT_KIND, model, window.start, window.end, report.created_at,
                            text)
    finally:
        record.close()
    path = home / "monitoring" / f"{model}-{window.label.replace('..', '--')}.json"
    write_atomically(path, text)
    return report, path


def report_history(request: MonitorRequest, model: str) -> list[dict]:
    """Every monitoring report of `model` on record in the region's store, oldest first."""
    home = region_home(request.home, onshore_region(request.catalogue, request.region).name)
    store = open_store(log_url(request, home), read_only=True)
    try:
        return [json.loads(body) for body in store.documents(REPORT_KIND, model, "", "~")]
    finally:
        store.close()


def log_url(request: MonitorRequest, home: Path) -> str:
    return request.decision_log or str(home / "decisions.db")


def _features(texts: list[str], names: list[str], profile: ReferenceProfile,
              plan: MonitoringPlan, earlier: list[str] | None, location: str) -> list:
    try:
        return feature_findings(texts, names, profile, plan, earlier)
    except (ValueError, TypeError) as e:  # values that do not fit the contract's columns
        raise MonitoringError(f"{location}: decision_features: {e}",
                              next_step="check that the bundle is the one that served the "
                                        "window") from None


def report_text(report: MonitoringReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _report(model: str, region: str, window: Window, plan: MonitoringPlan,
            cohorts: list[Cohort], not_run: list[str], reference: str | None = None
            ) -> MonitoringReport:
    versions = sorted({c.model_version for c in cohorts})
    return MonitoringReport(
        model=model, region=region, window=window.label, timezone=window.timezone,
        start=window.start, end=window.end,
        reference=reference or f"{PROFILE_FILE} of the signed bundle, v{', v'.join(versions)}",
        plan_version=plan.plan_version, correction=plan.correction.value,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"), cohorts=cohorts,
        alerts=[a for c in cohorts for a in assess(c, plan)], not_run=not_run)


def served_bundles(home: Path) -> list:
    folder = home / "bundles"
    found = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        try:
            found.append(load_bundle(path))
        except SeawallError:  # not a bundle (a stray file or directory): nothing to monitor
            continue
    return found


def only_model(bundles: list, home: Path) -> str:
    names = sorted({b.manifest.model.name for b in bundles})
    if len(names) != 1:
        raise MonitoringError(f"{home / 'bundles'}: " + (
            f"holds bundles of {', '.join(names)}; name one with --model" if names
            else "no imported bundle; import one first (seawall import BUNDLE --region R)"))
    return names[0]


def _profile(bundles: list, model: str, version: str, home: Path
             ) -> tuple[ReferenceProfile, list[str]]:
    """The signed profile of `model` v`version` and its contract's feature names, in order."""
    for bundle in bundles:
        ref = bundle.manifest.model
        if (ref.name, ref.version) == (model, version):
            if PROFILE_FILE not in bundle.manifest.files:
                raise MonitoringError(
                    f"{bundle.path}: {model} v{version} has no signed {PROFILE_FILE} (it was "
                    "trained before bundles carried one)",
                    next_step="retrain and re-import the model to monitor it")
            path = bundle.path / PROFILE_FILE
            if sha256_file(path) != bundle.manifest.files[PROFILE_FILE].sha256:
                raise MonitoringError(f"{path}: changed since it was signed (its SHA-256 "
                                      "differs from the manifest's)",
                                      next_step="re-import the signed bundle")
            return (ReferenceProfile.from_json(bundle.document(PROFILE_FILE), source=str(path)),
                    Contract.from_dict(bundle.document("contract.json")).names)
    raise MonitoringError(f"{home / 'bundles'}: no imported bundle of {model} v{version}, which "
                          "the decision log has decisions of")


