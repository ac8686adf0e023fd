"""CSI and PCA-CSI in `seawall monitor run`, from the feature values kept beside the decision log:
rows from the model's own population stay stable after the correction across features; one top
feature moved raises the P1 rule for it; the report is recorded in the ledger's store (a rerun
adds a newer one) and the pushed gauges carry every feature's CSI and the segment mix."""

from __future__ import annotations

import json
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import orjson
import pytest

from artifacts.bundle import PROFILE_FILE, ReferenceProfile, load_bundle
from artifacts.ledger import Decision, features_sha256, open_store
from artifacts.registry import import_bundle
from monitoring import Verdict
from monitoring.alerts import COHORT_PSI, FEATURE_CSI
from monitoring.push import gauges
from monitoring.run import REPORT_KIND, MonitorRequest, report_history, run_monitor
from regions import load_catalogue, region_home

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
from test_cli import run  # noqa: E402

REGION = "onshore-hn"
START = datetime(2026, 10, 31, 17, tzinfo=UTC)  # 2026-11-01 00:00 in Hanoi
PER_DAY = 400


@pytest.fixture(scope="module")
def region(serving, tmp_path_factory):
    """Two weeks of golden rows resampled (as trained), then a week with the top numeric
    feature multiplied by 3."""
    home = tmp_path_factory.mktemp("monitor-features") / "home"
    shutil.copytree(serving.home / "keys", home / "keys")
    catalogue = load_catalogue(serving.catalogue)
    imported = import_bundle(serving.champion, catalogue=catalogue, region=REGION, home=home)
    profile = ReferenceProfile.from_json(load_bundle(imported.bundle).document(PROFILE_FILE))
    columns, golden = serving.golden["columns"], serving.golden["rows"]
    expected = serving.golden["expected"]["probability"]
    moved = next(n for n in profile.importance if profile.features[n].numeric is not None)
    j = columns.index(moved)
    rng = np.random.default_rng(1)
    decisions, kept = [], []
    for day in range(21):
        for i, k in enumerate(rng.integers(0, len(golden), PER_DAY)):
            row = list(golden[k])
            if day >= 14:
                row[j] = row[j] * 3
            at = (START + timedelta(days=day, seconds=i * 30)).isoformat(timespec="microseconds")
            decisions.append(Decision(f"r{day}-{i}", at, "predict", "champion",
                                      imported.model_name, imported.version, "0" * 64,
                                      f"A{day}-{i}", features_sha256(row), expected[k]))
            kept.append(orjson.dumps(row).decode())
    store = open_store(str(region_home(home, REGION) / "decisions.db"))
    store.append(decisions, kept)
    store.close()
    return home, catalogue, imported.model_name, profile, moved


def monitor(region, window: str, **kw):
    home, catalogue, *_ = region
    return run_monitor(MonitorRequest(region=REGION, window=window, home=home,
                                      catalogue=catalogue, **kw))


def findings(report, detector: str) -> dict:
    [cohort] = report.cohorts
    return {f.subject: f for f in cohort.findings if f.detector == detector}


def test_the_models_own_population_keeps_every_feature_stable(region):
    _, _, _, profile, _ = region
    report, _ = monitor(region, "2026-11-01..2026-11-14")
    csi, pcs = findings(report, "csi"), findings(report, "pca_csi")
    assert set(csi) == set(profile.features) and len(pcs) == len(profile.pca.components)
    assert {f.verdict for f in (*csi.values(), *pcs.values())} <= {Verdict.STABLE,
                                                                  Verdict.INSUFFICIENT}
    assert all(f.detail["correction"] == "benjamini-hochberg" for f in csi.values()
               if f.verdict != Verdict.INSUFFICIENT)
    assert sum(f.detail["top"] for f in csi.values()) == 5
    assert not any("CSI" in reason for reason in report.not_run)


def test_a_moved_top_feature_raises_its_p1_and_moves_the_components(region):
    _, _, _, _, moved = region
    report, _ = monitor(region, "2026-11-15..2026-11-21")
    csi = findings(report, "csi")
    assert csi[moved].verdict == Verdict.DRIFT and csi[moved].detail["top"]
    assert max(csi.values(), key=lambda f: f.statistic or 0).subject == moved
    assert any(f.verdict == Verdict.DRIFT for f in findings(report, "pca_csi").values())
    assert ("P1", "p1.top_feature_csi", moved) in {(a.severity, a.rule, a.subject)
                                                    for a in report.alerts}
    # against the fortnight before instead of the profile: the same feature, the same alarm
    window, _ = monitor(region, "2026-11-15..2026-11-21", baseline="window")
    assert findings(window, "csi")[moved].verdict == Verdict.DRIFT


def test_reports_are_recorded_in_the_ledger_store_and_gauges_carry_the_features(region):
    home, catalogue, model, _, moved = region
    request = MonitorRequest(region=REGION, window="2026-11-15..2026-11-21", home=home,
                             catalogue=catalogue)
    before = report_history(request, model)
    report, path = run_monitor(request)
    history = report_history(request, model)
    assert len(history) == len(before) + 1 and history[-1] == json.loads(path.read_text())
    store = open_store(str(region_home(home, REGION) / "decisions.db"), read_only=True)
    assert len(store.documents(REPORT_KIND, model, report.start, report.end + "~")) >= 1
    registry = gauges(report, history)
    top = {s.labels["feature"]: s.value for m in registry.collect() if m.name == FEATURE_CSI
           for s in m.samples if s.labels["top"] == "true"}
    assert len(top) == 5 and max(top, key=top.get) == moved
    segments = [s.value for m in registry.collect() if m.name == COHORT_PSI for s in m.samples]
    assert len(segments) == 1 and 0 <= segments[0] < 0.10  # the categorical mix did not move


def test_the_command_lists_feature_verdicts(region, tmp_path):
    home, catalogue, *_ = region
    result = run("monitor", "run", "--region", REGION, "--window", "2026-11-15..2026-11-21",
                 "--home", str(home), "--catalogue", str(catalogue.directory), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "csi" in result.stdout and "pca_csi" in result.stdout
    assert "P1" in result.stdout and "top 5 features" in result.stdout


def test_the_quarters_rollup_counts_each_window_once_and_names_uncovered_days(region,
                                                                              tmp_path):
    from monitoring.errors import MonitoringError
    from monitoring.rollup import ROLLUP_KIND, rollup

    home, catalogue, model, _, moved = region
    for window in ("2026-11-01..2026-11-07", "2026-11-08..2026-11-14",
                   "2026-11-15..2026-11-21", "2026-11-15..2026-11-21"):
        monitor(region, window)
    request = MonitorRequest(region=REGION, window="", home=home, catalogue=catalogue)
    doc, path = rollup(request, "2026Q4")
    assert {"2026-11-01..2026-11-07", "2026-11-08..2026-11-14",
            "2026-11-15..2026-11-21"} <= set(doc.windows)
    assert len(doc.windows) == len(set(doc.windows))  # a rerun counts once
    assert doc.windows == sorted(doc.windows)
    assert doc.days_in_quarter == 92
    assert doc.days_uncovered[0] == "2026-10-01..2026-10-31"
    assert doc.days_uncovered[-1] == "2026-11-22..2026-12-31"
    [p1] = [a for a in doc.alerts if a.rule == "p1.top_feature_csi" and a.subject == moved]
    assert p1.severity == "P1" and p1.last == "2026-11-15..2026-11-21"
    store = open_store(str(region_home(home, REGION) / "decisions.db"), read_only=True)
    [body] = store.documents(ROLLUP_KIND, model, doc.start, doc.end)
    assert json.loads(body) == json.loads(path.read_text()) == doc.to_json()
    with pytest.raises(MonitoringError, match="no monitoring report .* 2026Q3"):
        rollup(request, "2026Q3")
    with pytest.raises(MonitoringError, match="must be YYYYQn"):
        rollup(request, "2026-Q4")
    printed = run("monitor", "rollup", "--region", REGION, "--quarter", "2026Q4", "--home",
                  str(home), "--catalogue", str(catalogue.directory), cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert "p1.top_feature_csi" in printed.stdout and "2026-10-01..2026-10-31" in printed.stdout


def test_a_cohort_without_kept_values_is_named_under_not_run(region):
    home, catalogue, model, _, _ = region
    store = open_store(str(region_home(home, REGION) / "decisions.db"))
    version = store.summary(model, "", "~").versions[0].model_version
    store.append([Decision("r-shadow", "2026-11-20T03:00:00.000001+00:00", "predict", "shadow",
                           model, version, "0" * 64, "S1", "1" * 64, 0.2)])  # no values kept
    store.close()
    report, _ = monitor(region, "2026-11-20..2026-11-20")
    assert {c.role for c in report.cohorts} == {"champion", "shadow"}
    [reason] = [r for r in report.not_run if "CSI" in r]
    assert f"shadow v{version}" in reason and "champion" not in reason
