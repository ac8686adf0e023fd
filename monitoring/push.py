"""The monitor's gauges, pushed to a Prometheus Pushgateway after each run (a batch job is not
scraped; it pushes). The P1 and P2 rules of `monitoring.alerts` read them.

One group per model (`job="seawall-monitor", model=...`): each push replaces the model's
previous values, so a cohort that stopped drifting stops alerting at the next run.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

from monitoring.alerts import APPROVAL_SHIFT, AUC_WEEKS_OUTSIDE, LAST_RUN, SCORE_PSI
from monitoring.errors import MonitoringError
from monitoring.report import MonitoringReport

JOB = "seawall-monitor"
COHORT = ("model", "version", "cohort")


def gauges(report: MonitoringReport, weeks_outside: dict[tuple[str, str], int]
           ) -> CollectorRegistry:
    registry = CollectorRegistry()
    psi = Gauge(SCORE_PSI, "Score PSI of the last monitor window against the reference.",
                COHORT, registry=registry)
    shift = Gauge(APPROVAL_SHIFT, "Approval rate change, last 7 days against the 7 before "
                  "(percentage points, absolute).", COHORT, registry=registry)
    outside = Gauge(AUC_WEEKS_OUTSIDE, "Consecutive monitor runs whose AUC fell outside the "
                    "reference bootstrap interval.", COHORT, registry=registry)
    last = Gauge(LAST_RUN, "When the monitor last ran (Unix time).", ["model"],
                 registry=registry)
    for cohort in report.cohorts:
        labels = (report.model, cohort.model_version, cohort.role)
        for f in cohort.findings:
            if f.statistic is None or f.verdict == "insufficient":
                continue
            if f.detector == "psi":
                psi.labels(*labels).set(f.statistic)
            elif f.detector == "approval_shift":
                shift.labels(*labels).set(f.statistic)
        runs = weeks_outside.get((cohort.model_version, cohort.role))
        if runs is not None:
            outside.labels(*labels).set(runs)
    last.labels(report.model).set(time.time())
    return registry


def consecutive_outside(folder: Path, model: str) -> dict[tuple[str, str], int]:
    """Per (version, cohort): how many of the model's latest reports in a row found the AUC
    outside the reference interval (windows in order of their end; reports without an AUC
    finding are skipped, a stable one ends the run)."""
    reports = []
    for path in folder.glob(f"{model}-*.json"):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if doc.get("format") == MonitoringReport.FORMAT and doc.get("model") == model:
            reports.append(doc)
    runs: dict[tuple[str, str], int] = {}
    ended: set[tuple[str, str]] = set()
    for doc in sorted(reports, key=lambda d: (d["end"], d["created_at"]), reverse=True):
        for cohort in doc["cohorts"]:
            key = (cohort["model_version"], cohort["role"])
            verdicts = [f["verdict"] for f in cohort["findings"] if f["detector"] == "auc"]
            if key in ended or not verdicts or verdicts[0] == "insufficient":
                continue
            if verdicts[0] == "drift":
                runs[key] = runs.get(key, 0) + 1
            else:
                runs.setdefault(key, 0)
                ended.add(key)
    return runs


def push(report: MonitoringReport, gateway: str, folder: Path) -> None:
    registry = gauges(report, consecutive_outside(folder, report.model))
    try:
        push_to_gateway(gateway, job=JOB, registry=registry,
                        grouping_key={"model": report.model}, timeout=10)
    except OSError as e:
        raise MonitoringError(f"{gateway}: the Pushgateway did not take the gauges ({e})",
                              next_step="check --push (the report is written all the same)"
                              ) from None
