"""The export for offshore developers holds aggregates of at least min_cell rows only, and says
so on its first line."""

from __future__ import annotations

import json

from monitoring.export import EXPORT_FORMAT, export_text
from monitoring.report import Alert, Cohort, Finding, MonitoringReport


def report(n_window: int = 1_000) -> MonitoringReport:
    bins = [{"bin": "[-inf, 0.1)", "order": 0, "reference": 0.5, "window": 0.997,
             "contribution": 0.4},
            {"bin": "[0.1, +inf)", "order": 1, "reference": 0.5, "window": 0.003,
             "contribution": 0.3}]  # 3 rows of 1,000: under 20
    deciles = [{"decile": 1, "rows": 12, "expected": 1.0, "observed": 2.0,
                "mean_predicted": 0.08, "observed_rate": 0.17},
               {"decile": 2, "rows": 40, "expected": 4.0, "observed": 4.0,
                "mean_predicted": 0.1, "observed_rate": 0.1}]
    findings = [
        Finding(detector="psi", subject="score", statistic=0.7, threshold=0.1, n_reference=6000,
                n_window=n_window, verdict="drift", p_value=0.0, detail={"bins": bins}),
        Finding(detector="page_hinkley", subject="daily mean score", statistic=9.0,
                threshold=6.0, n_reference=6000, n_window=n_window, verdict="drift",
                detail={"path": [0.0, 9.0], "alarm_day": 1}),
        Finding(detector="calibration", subject="score", statistic=3.0, threshold=18.3,
                n_reference=0, n_window=n_window, verdict="stable",
                detail={"deciles": deciles}),
        Finding(detector="ks", subject="score", statistic=0.3, threshold=0.2, n_reference=6000,
                n_window=7, verdict="drift", p_value=0.01)]
    return MonitoringReport(
        model="m", region="onshore-hn", window="2026-11-01..2026-11-07",
        timezone="Asia/Ho_Chi_Minh", start="s", end="e", reference="r", plan_version=1,
        correction="benjamini-hochberg", created_at="2026-12-02T00:00:00+00:00",
        cohorts=[Cohort(role="champion", model_version="1", decisions=n_window,
                        findings=findings)],
        alerts=[Alert(severity="P1", rule="p1.score_psi", cohort="champion v1",
                      subject="score", statistic=0.7, threshold=0.25, summary="x")],
        not_run=[])


def test_small_cells_are_suppressed_and_the_first_line_says_so():
    text = export_text(report(), min_cell=20)
    first = text.splitlines()[0]
    assert first.startswith('{"notice": "AGGREGATES ONLY') and "fewer than 20 rows" in first
    doc = json.loads(text)
    assert doc["format"] == EXPORT_FORMAT
    psi, ph, calibration, ks = doc["cohorts"][0]["findings"]
    assert psi["detail"]["bins"][0]["window"] == 0.997
    assert psi["detail"]["bins"][1] == {**psi["detail"]["bins"][1], "window": None,
                                        "contribution": None, "suppressed": True}
    assert "path" not in ph["detail"] and ph["detail"]["alarm_day"] == 1
    assert calibration["detail"]["deciles"][0] == {"decile": 1, "suppressed": True}
    assert calibration["detail"]["deciles"][1]["rows"] == 40
    assert ks["statistic"] is None and ks["suppressed"] is True  # 7 rows in all
    assert "statistic" not in doc["alerts"][0]


def test_a_cohort_of_few_decisions_does_not_give_its_count():
    doc = json.loads(export_text(report(n_window=5), min_cell=20))
    assert doc["cohorts"][0]["decisions"] is None
    assert all(f["statistic"] is None for f in doc["cohorts"][0]["findings"])
