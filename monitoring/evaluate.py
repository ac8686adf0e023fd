"""One cohort's scores through the score detectors, and the plan's alerts from what they found.

The approval rate is the share of probabilities below the plan's `approve_below`; its reference
value is the profile's score CDF at that cut-off (interpolated on the percentile grid).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from artifacts.bundle.auc import AucInterval
from artifacts.bundle.reference_profile import ReferenceProfile
from monitoring.drift import compare_samples, wasserstein, wasserstein_result
from monitoring.performance import auc_test, calibration_test, delong_test
from monitoring.plan import MonitoringPlan
from monitoring.report import Alert, Cohort, Finding
from monitoring.results import DetectorResult, Verdict
from monitoring.sequential import page_hinkley_test
from monitoring.window import NumericWindow


class Days:
    """The window's decisions grouped by local day, once: each decision's time is parsed and
    moved to the region's zone here and nowhere else (the costliest step of a run)."""

    def __init__(self, times: list[str], timezone: str) -> None:
        zone = ZoneInfo(timezone)
        days = np.array([datetime.fromisoformat(t).astimezone(zone).date().isoformat()
                         for t in times])
        labels, self.index, self.volumes = np.unique(days, return_inverse=True,
                                                      return_counts=True)
        self.labels = labels.tolist()

    def mean(self, values: np.ndarray) -> np.ndarray:
        """The mean of `values` per day, days in order."""
        return np.bincount(self.index, weights=values,
                           minlength=len(self.labels)) / self.volumes


def cohort_findings(rows: list[tuple[str, float, str | None]], profile: ReferenceProfile,
                    plan: MonitoringPlan, timezone: str, outcomes: dict[str, int],
                    baseline: np.ndarray | None = None) -> list[Finding]:
    """The score detectors against the signed profile, or, given `baseline` (the scores of an
    earlier window of the same version and cohort), against that sample exactly."""
    times = [r[0] for r in rows]
    p = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
    stats = plan.statistics
    if baseline is None:
        results = _against_profile(p, profile, plan)
        mean, sd, n_ref = profile.score.mean, profile.score.sd, profile.rows
        reference_rate = float(np.interp(plan.approve_below, profile.score.quantiles,
                                         profile.score.levels)) \
            if profile.score.quantiles else 0.0
    else:
        results = _against_sample(p, baseline, plan)
        mean = float(baseline.mean()) if len(baseline) else 0.0
        sd = float(baseline.std()) if len(baseline) else 0.0
        n_ref, reference_rate = len(baseline), float((baseline < plan.approve_below).mean()) \
            if len(baseline) else 0.0
    days = Days(times, timezone)
    volumes = days.volumes
    results.append(page_hinkley_test(
        "daily mean score", days.mean(p), volumes, mean=mean, sd=sd, n_reference=n_ref,
        false_alarm_interval=stats.false_alarm_interval_days))
    daily_rate = days.mean((p < plan.approve_below).astype(np.float64))
    results.append(page_hinkley_test(
        "daily approval rate", daily_rate, volumes, mean=reference_rate,
        sd=float(np.sqrt(reference_rate * (1 - reference_rate))), n_reference=n_ref,
        false_alarm_interval=stats.false_alarm_interval_days))
    results.append(approval_shift(days.labels, daily_rate, volumes, plan))
    if outcomes:
        results += outcome_tests(rows, profile, outcomes, plan)
    return [Finding.of(r) for r in results]


def _against_profile(p: np.ndarray, profile: ReferenceProfile, plan: MonitoringPlan
                     ) -> list[DetectorResult]:
    score = NumericWindow("score", profile.score)
    score.add(p)
    alpha = plan.statistics.alpha
    return [score.psi(detector="psi", alert=plan.p2.score_psi, alpha=alpha),
            score.ks(alpha=alpha),
            wasserstein_result("score", score.wasserstein(), profile.score.present, len(p),
                               threshold=plan.p2.score_wasserstein,
                               unit="probability of default")]


def _against_sample(p: np.ndarray, baseline: np.ndarray, plan: MonitoringPlan
                    ) -> list[DetectorResult]:
    """PSI over the baseline's deciles, the exact two-sample KS and W1."""
    drift, ks = compare_samples("score", baseline, p, detector="psi",
                                alert=plan.p2.score_psi, alpha=plan.statistics.alpha)
    distance = wasserstein(baseline, p) if len(baseline) and len(p) else 0.0
    return [drift, ks, wasserstein_result("score", distance, len(baseline), len(p),
                                          threshold=plan.p2.score_wasserstein,
                                          unit="probability of default")]


def outcome_tests(rows: list[tuple[str, float, str | None]], profile: ReferenceProfile,
                  outcomes: dict[str, int], plan: MonitoringPlan) -> list[DetectorResult]:
    """AUC against the reference interval and calibration, on the decisions whose outcome is
    on record (label delay: the rest have not matured)."""
    matched = [(p, outcomes[i]) for _, p, i in rows if i in outcomes]
    p = np.array([m[0] for m in matched], dtype=np.float64)
    y = np.array([m[1] for m in matched], dtype=np.int64)
    ref = profile.auc
    reference = AucInterval(auc=ref.auc, low=ref.low, high=ref.high, level=ref.level,
                            replicates=ref.replicates, positives=ref.positives,
                            negatives=ref.negatives)
    coverage = {"outcomes_on_record": len(matched), "decisions": len(rows)}
    auc = auc_test("score", y, p, reference)
    calibration = calibration_test("score", y, p, alpha=plan.statistics.alpha)
    return [replace(auc, detail={**auc.detail, **coverage}),
            replace(calibration, detail={**calibration.detail, **coverage})]


def champion_challenger(champion: list, challenger: list, outcomes: dict[str, int],
                        plan: MonitoringPlan) -> DetectorResult:
    """DeLong on the applications both scored whose outcome is on record."""
    theirs = {i: p for _, p, i in challenger if i in outcomes}
    pairs = [(p, theirs[i], outcomes[i]) for _, p, i in champion if i in theirs]
    y = np.array([t[2] for t in pairs], dtype=np.int64)
    return delong_test("champion vs shadow", y, np.array([t[0] for t in pairs]),
                       np.array([t[1] for t in pairs]), alpha=plan.statistics.alpha)


def approval_shift(days: list[str], rates: np.ndarray, volumes: np.ndarray,
                   plan: MonitoringPlan) -> DetectorResult:
    """The approval rate of the window's last 7 days against the 7 before, in percentage
    points (absolute)."""
    if len(days) < 14:
        return DetectorResult(detector="approval_shift", subject="approval rate",
                              statistic=float("nan"), threshold=plan.p1.approval_shift_pp,
                              n_reference=0, n_window=int(volumes.sum()),
                              verdict=Verdict.INSUFFICIENT,
                              detail={"needs": "14 days with decisions"})
    last, before = slice(-7, None), slice(-14, -7)
    now = float(np.average(rates[last], weights=volumes[last]))
    then = float(np.average(rates[before], weights=volumes[before]))
    shift = abs(now - then) * 100
    return DetectorResult(
        detector="approval_shift", subject="approval rate", statistic=shift,
        threshold=plan.p1.approval_shift_pp, n_reference=int(volumes[before].sum()),
        n_window=int(volumes[last].sum()),
        verdict=Verdict.DRIFT if shift > plan.p1.approval_shift_pp else Verdict.STABLE,
        detail={"this_week": now, "week_before": then, "days": [days[-14], days[-1]]})


def assess(cohort: Cohort, plan: MonitoringPlan) -> list[Alert]:
    """The plan's P1 and P2 alerts raised by a cohort's findings (P0 is Prometheus's: it
    watches the live service, not a window)."""
    alerts = []

    def raise_(severity: str, rule: str, f: Finding, threshold: float, summary: str) -> None:
        alerts.append(Alert(severity=severity, rule=rule, subject=f.subject,
                            cohort=f"{cohort.role} v{cohort.model_version}",
                            statistic=float(f.statistic), threshold=threshold,
                            summary=summary))

    for f in cohort.findings:
        if f.verdict != Verdict.DRIFT or f.statistic is None:
            continue
        if f.detector == "psi" and f.statistic > plan.p1.score_psi:
            raise_("P1", "p1.score_psi", f, plan.p1.score_psi, "material score shift")
        elif f.detector == "psi":
            raise_("P2", "p2.score_psi", f, plan.p2.score_psi, "moderate score shift")
        elif f.detector == "csi" and f.detail.get("top") and \
                f.statistic > plan.p1.top_feature_csi:
            raise_("P1", "p1.top_feature_csi", f, plan.p1.top_feature_csi,
                   f"material shift in {f.subject}, one of the top {plan.p1.top_features} "
                   "features")
        elif f.detector == "csi":
            raise_("P2", "p2.score_psi", f, plan.p2.score_psi,
                   f"shift in feature {f.subject} (CSI, after the {plan.correction.value} "
                   "correction)")
        elif f.detector == "pca_csi":
            raise_("P2", "p2.score_psi", f, plan.p2.score_psi,
                   f"the features' joint structure moved along {f.subject} (PCA-CSI)")
        elif f.detector == "approval_shift":
            raise_("P1", "p1.approval_shift_pp", f, plan.p1.approval_shift_pp,
                   "approval rate moved week over week")
        elif f.detector == "page_hinkley":
            raise_("P2", "statistics.false_alarm_interval_days", f, float(f.threshold),
                   f"sustained change in the {f.subject}")
        elif f.detector == "auc":
            raise_("P2", "p1.auc_weeks_outside", f, float(f.threshold),
                   "AUC outside the reference interval in this window (P1 once it stays "
                   f"out {plan.p1.auc_weeks_outside} weeks running)")
        elif f.detector == "calibration":
            raise_("P2", "statistics.alpha", f, float(f.threshold),
                   "predicted and observed default rates disagree by decile")
        elif f.detector == "wasserstein":
            raise_("P2", "p2.score_wasserstein", f, plan.p2.score_wasserstein,
                   "the score distribution moved (Wasserstein-1)")
    return alerts
