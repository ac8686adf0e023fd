"""`seawall monitor rollup --quarter 2026Q4`: the quarter's monitoring reports, from the
ledger's store, summarised for the internal-control report (a drift alert that never reaches
the board report is not evidence).

A window run more than once counts once, with its latest report. The roll-up says which days
of the quarter no window covered, every alert raised (by severity, rule, cohort and subject:
how many windows, the first and the last, the largest statistic), each detector's verdicts,
the plan versions in force and what could not run. It is recorded in the store beside the
reports (`monitoring_rollup`) and written as a file.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import ClassVar

from artifacts.documents import Document
from artifacts.ledger import open_store, write_atomically
from monitoring.errors import MonitoringError
from monitoring.report import MonitoringReport
from monitoring.run import (
    REPORT_KIND,
    MonitorRequest,
    log_url,
    only_model,
    onshore_region,
    parse_window,
    served_bundles,
)
from regions import region_home, timezone_of

ROLLUP_KIND = "monitoring_rollup"
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


@dataclass(frozen=True, kw_only=True)
class AlertSummary:
    severity: str
    rule: str
    cohort: str
    subject: str
    windows: int  # windows that raised it
    first: str  # the first and the last window that raised it
    last: str
    largest: float  # the largest statistic
    threshold: float


@dataclass(frozen=True, kw_only=True)
class DetectorSummary:
    cohort: str
    detector: str
    subject: str
    stable: int
    drift: int
    insufficient: int
    largest: float | None  # the largest statistic seen


@dataclass(frozen=True, kw_only=True)
class MonitoringRollup(Document):
    FORMAT: ClassVar[str] = "seawall.monitoring_rollup/v1"
    model: str
    region: str
    quarter: str
    timezone: str
    start: str
    end: str
    created_at: str
    windows: list[str]  # the windows summarised, in order
    reports: list[str]  # each summarised report's SHA-256 (the store's copy)
    days_in_quarter: int
    days_uncovered: list[str]  # days of the quarter no window covered (ranges FROM..TO)
    plan_versions: list[int]
    alerts: list[AlertSummary]
    detectors: list[DetectorSummary]
    not_run: list[str]


def quarter_window(label: str, timezone: str):
    m = _QUARTER.match(label)
    if not m:
        raise MonitoringError(f"--quarter {label!r}: must be YYYYQn, e.g. 2026Q4")
    year, q = int(m[1]), int(m[2])
    first = date(year, 3 * q - 2, 1)
    last = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - timedelta(days=1)
    return parse_window(f"{first}..{last}", timezone)


def rollup(request: MonitorRequest, quarter: str) -> tuple[MonitoringRollup, Path]:
    region = onshore_region(request.catalogue, request.region)
    window = quarter_window(quarter, timezone_of(region.jurisdiction))
    home = region_home(request.home, region.name)
    model = request.model or only_model(served_bundles(home), home)
    store = open_store(log_url(request, home))
    try:
        bodies = store.documents(REPORT_KIND, model, window.start, window.end)
        if not bodies:
            raise MonitoringError(f"no monitoring report of {model} for a window starting in "
                                  f"{quarter} is on record in {region.name} "
                                  f"({store.location})",
                                  next_step="run seawall monitor run for the quarter's windows")
        reports = _latest_per_window(bodies)
        doc = summarise(reports, model, region.name, quarter, window)
        text = json.dumps(doc.to_json(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        store.add_document(ROLLUP_KIND, model, window.start, window.end, doc.created_at, text)
    finally:
        store.close()
    path = home / "monitoring" / f"{model}-rollup-{quarter}.json"
    write_atomically(path, text)
    return doc, path


def _latest_per_window(bodies: list[str]) -> list[tuple[MonitoringReport, str]]:
    latest: dict[str, tuple[MonitoringReport, str]] = {}
    for body in bodies:
        report = MonitoringReport.from_json(json.loads(body), source="the ledger's store")
        known = latest.get(report.window)
        if known is None or known[0].created_at <= report.created_at:
            latest[report.window] = (report, hashlib.sha256(body.encode()).hexdigest())
    return sorted(latest.values(), key=lambda r: (r[0].start, r[0].end))


def summarise(reports: list[tuple[MonitoringReport, str]], model: str, region: str,
              quarter: str, window) -> MonitoringRollup:
    alerts: dict[tuple, dict] = {}
    detectors: dict[tuple, dict] = {}
    covered: set[date] = set()
    first_day = date.fromisoformat(window.label[:10])
    days = [first_day + timedelta(days=i) for i in range(window.days)]
    for report, _ in reports:
        start, end = (date.fromisoformat(d) for d in report.window.split(".."))
        covered |= {d for d in days if start <= d <= end}
        for a in report.alerts:
            key = (a.severity, a.rule, a.cohort, a.subject)
            s = alerts.setdefault(key, {"windows": 0, "first": report.window, "largest": None,
                                        "threshold": a.threshold})
            s.update(windows=s["windows"] + 1, last=report.window,
                     largest=max(a.statistic, s["largest"] or a.statistic))
        for c in report.cohorts:
            for f in c.findings:
                key = (f"{c.role} v{c.model_version}", f.detector, f.subject)
                s = detectors.setdefault(key, {"stable": 0, "drift": 0, "insufficient": 0,
                                               "largest": None})
                s[f.verdict] = s.get(f.verdict, 0) + 1
                if f.statistic is not None:
                    s["largest"] = max(f.statistic, s["largest"] or f.statistic)
    order = {"P0": 0, "P1": 1, "P2": 2}
    return MonitoringRollup(
        model=model, region=region, quarter=quarter, timezone=window.timezone,
        start=window.start, end=window.end,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        windows=[r.window for r, _ in reports], reports=[h for _, h in reports],
        days_in_quarter=len(days), days_uncovered=_ranges([d for d in days if d not in covered]),
        plan_versions=sorted({r.plan_version for r, _ in reports}),
        alerts=[AlertSummary(severity=k[0], rule=k[1], cohort=k[2], subject=k[3],
                             windows=v["windows"], first=v["first"], last=v["last"],
                             largest=v["largest"], threshold=v["threshold"])
                for k, v in sorted(alerts.items(), key=lambda kv: (order.get(kv[0][0], 9),
                                                                   kv[0][1:]))],
        detectors=[DetectorSummary(cohort=k[0], detector=k[1], subject=k[2],
                                   stable=v["stable"], drift=v["drift"],
                                   insufficient=v["insufficient"], largest=v["largest"])
                   for k, v in sorted(detectors.items())],
        not_run=sorted({reason for r, _ in reports for reason in r.not_run}))


def _ranges(days: list[date]) -> list[str]:
    """Consecutive days as FROM..TO ranges."""
    ranges: list[list[date]] = []
    for d in days:
        if ranges and d - ranges[-1][1] == timedelta(days=1):
            ranges[-1][1] = d
        else:
            ranges.append([d, d])
    return [f"{a}..{b}" for a, b in ranges]
