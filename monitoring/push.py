"""The monitor's gauges, pushed to a Prometheus Pushgateway after each run (a batch job is not
scraped; it pushes). The P1 and P2 rules of `monitoring.alerts` read them.

One group per model (`job="seawall-monitor", model=...`): each push replaces the model's
previous values, so a cohort that stopped drifting stops alerting at the next run.
"""

from __future__ import annotations

import time
from datetime import datetime

import numpy as np
from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

from monitoring.alerts import (
    APPROVAL_SHIFT,
    AUC_TREND,
    AUC_WEEKS_OUTSIDE,
    COHORT_PSI,
    FEATURE_CSI,
    LAST_RUN,
    SCORE_PSI,
)
from monitoring.errors import MonitoringError
from monitoring.report import MonitoringReport

JOB = "seawall-monitor"
COHORT = ("model", "version", "cohort")
TREND_WEEKS = 8  # the AUC trend is the slope over the reports of the last 8 weeks
TREND_POINTS = 3  # reports with an AUC needed before a slope is pushed


def gauges(report: MonitoringReport, history: list[dict]) -> CollectorRegistry:
    """The gauges of `report`; `history` (the model's reports on record, this one included)
    gives the AUC's weeks outside its interval and its weekly trend."""
    registry = CollectorRegistry()
    psi = Gauge(SCORE_PSI, "Score PSI of the last monitor window against the reference.",
                COHORT, registry=registry)
    shift = Gauge(APPROVAL_SHIFT, "Approval rate change, last 7 days against the 7 before "
                  "(percentage points, absolute).", COHORT, registry=registry)
    outside = Gauge(AUC_WEEKS_OUTSIDE, "Consecutive monitor runs whose AUC fell outside the "
                    "reference bootstrap interval.", COHORT, registry=registry)
    csi = Gauge(FEATURE_CSI, "CSI of one feature in the last window (top: one of the plan's "
                "top features by importance).", (*COHORT, "feature", "top"), registry=registry)
    segments = Gauge(COHORT_PSI, "Segment concentration shift: the largest CSI among the "
                     "categorical features.", COHORT, registry=registry)
    trend = Gauge(AUC_TREND, "Slope of the AUC per week over the last 8 weeks of reports.",
                  COHORT, registry=registry)
    last = Gauge(LAST_RUN, "When the monitor last ran (Unix time).", ["model"],
                 registry=registry)
    weeks_outside, slopes = consecutive_outside(history), auc_trends(history)
    for cohort in report.cohorts:
        labels = (report.model, cohort.model_version, cohort.role)
        categorical = []
        for f in cohort.findings:
            if f.statistic is None or f.verdict == "insufficient":
                continue
            if f.detector == "psi":
                psi.labels(*labels).set(f.statistic)
            elif f.detector == "approval_shift":
                shift.labels(*labels).set(f.statistic)
            elif f.detector == "csi":
                csi.labels(*labels, f.subject, str(bool(f.detail.get("top"))).lower()
                           ).set(f.statistic)
                if f.detail.get("kind") == "categorical":
                    categorical.append(f.statistic)
        if categorical:
            segments.labels(*labels).set(max(categorical))
        key = (cohort.model_version, cohort.role)
        if key in weeks_outside:
            outside.labels(*labels).set(weeks_outside[key])
        if key in slopes:
            trend.labels(*labels).set(slopes[key])
    last.labels(report.model).set(time.time())
    return registry


def _auc_series(history: list[dict]) -> dict[tuple[str, str], list[tuple[str, str, dict]]]:
    """Per (version, cohort): (window end, created_at, AUC finding), newest first; a window
    run more than once counts once, with its latest report."""
    series: dict[tuple[str, str], list] = {}
    for doc in history:
        if doc.get("format") != MonitoringReport.FORMAT:
            continue
        for cohort in doc["cohorts"]:
            found = [f for f in cohort["findings"] if f["detector"] == "auc"]
            if found and found[0]["verdict"] != "insufficient":
                series.setdefault((cohort["model_version"], cohort["role"]), []).append(
                    (doc["end"], doc["created_at"], found[0]))
    newest_first = {k: sorted(v, key=lambda t: t[:2], reverse=True) for k, v in series.items()}
    return {k: [t for i, t in enumerate(v) if i == 0 or t[0] != v[i - 1][0]]  # a rerun: once
            for k, v in newest_first.items()}


def consecutive_outside(history: list[dict]) -> dict[tuple[str, str], int]:
    """Per (version, cohort): how many of the latest reports in a row found the AUC outside
    the reference interval (windows in order of their end; a stable one ends the run)."""
    runs = {}
    for key, series in _auc_series(history).items():
        n = 0
        for _, _, finding in series:
            if finding["verdict"] != "drift":
                break
            n += 1
        runs[key] = n
    return runs


def auc_trends(history: list[dict]) -> dict[tuple[str, str], float]:
    """Per (version, cohort): the least-squares slope of the AUC per week over the reports
    whose window ended in the last `TREND_WEEKS` weeks (at least `TREND_POINTS` of them)."""
    slopes = {}
    for key, series in _auc_series(history).items():
        latest = {end: finding["statistic"] for end, _, finding in series}
        ends = sorted(latest)
        last = datetime.fromisoformat(ends[-1])
        weeks = np.array([(datetime.fromisoformat(e) - last).total_seconds() / 604800
                          for e in ends])
        recent = weeks > -TREND_WEEKS
        if recent.sum() >= TREND_POINTS and np.ptp(weeks[recent]) > 0:
            auc = np.array([latest[e] for e in ends])[recent]
            slopes[key] = float(np.polyfit(weeks[recent], auc, 1)[0])
    return slopes


def push(report: MonitoringReport, gateway: str, history: list[dict]) -> None:
    registry = gauges(report, history)
    try:
        push_to_gateway(gateway, job=JOB, registry=registry,
                        grouping_key={"model": report.model}, timeout=10)
    except OSError as e:
        raise MonitoringError(f"{gateway}: the Pushgateway did not take the gauges ({e})",
                              next_step="check --push (the report is written all the same)"
                              ) from None
