"""The evidence pack's monitoring pieces, read from the ledger's store: the quarter's roll-up
(partial when days went unmonitored), its reports when no roll-up exists, the outcomes
analysis they hold, and gaps that name the commands when there is nothing."""

from __future__ import annotations

import json

from artifacts.ledger import open_store
from reporting import evidence_sources as sources

PERIOD = sources.reporting_period("2026Q4", "VN")


def store_with(tmp_path, *documents: tuple[str, str, dict]) -> str:
    url = str(tmp_path / "decisions.db")
    store = open_store(url)
    for kind, start, doc in documents:
        store.add_document(kind, "m", start, "2027", "2026-12-01T00:00:00+00:00",
                           json.dumps(doc))
    store.close()
    return url


def report(window: str, *findings: dict) -> dict:
    return {"window": window, "cohorts": [{"role": "champion", "model_version": "3",
                                           "findings": list(findings)}]}


AUC = {"detector": "auc", "subject": "score", "verdict": "stable", "statistic": 0.74}
THIN = {"detector": "calibration", "subject": "score", "verdict": "insufficient"}


def test_nothing_on_record_is_two_gaps_naming_the_commands(tmp_path):
    found = sources.monitoring(store_with(tmp_path), "m", PERIOD)
    assert all(isinstance(f, sources.Gap) for f in found)
    assert "seawall monitor rollup --quarter 2026Q4" in found[0].produce
    assert "seawall outcomes load" in found[1].produce


def test_reports_without_a_rollup_are_partial_and_hold_the_outcomes_analysis(tmp_path):
    url = store_with(tmp_path,
                     ("monitoring_report", "2026-11-01", report("2026-11-01..2026-11-07", AUC,
                                                                THIN)),
                     ("monitoring_report", "2026-09-01", report("2026-09-01..2026-09-07", AUC)))
    reports, outcomes = sources.monitoring(url, "m", PERIOD)
    assert reports.status == "partial" and reports.facts == {"reports": 1}
    assert reports.note == sources.NO_ROLLUP
    analysed = json.loads(outcomes.data)
    assert [a["finding"]["detector"] for a in analysed] == ["auc"]  # Q3 and thin cells: out
    assert analysed[0]["window"] == "2026-11-01..2026-11-07"


def test_a_rollup_is_the_evidence_and_unmonitored_days_make_it_partial(tmp_path):
    rollup = {"windows": ["2026-11-01..2026-11-07"], "days_uncovered": ["2026-10-01..2026-10-31"],
              "alerts": [{"severity": "P1", "windows": 2}, {"severity": "P2", "windows": 1}]}
    url = store_with(tmp_path, ("monitoring_rollup", PERIOD.start, rollup))
    piece = sources.monitoring(url, "m", PERIOD)[0]
    assert piece.id == "monitoring-rollup.json" and json.loads(piece.data) == rollup
    assert piece.facts["alerts"] == {"P1": 2, "P2": 1}
    assert piece.status == "partial" and "2026-10-01..2026-10-31" in piece.note
    whole = {**rollup, "days_uncovered": []}
    tmp = tmp_path / "b"
    tmp.mkdir()
    assert sources.monitoring(store_with(tmp, ("monitoring_rollup", PERIOD.start, whole)), "m",
                              PERIOD)[0].status == "present"
