"""`seawall monitor run` on a real region: a signed bundle imported into onshore-hn, decisions
in its SQLite log drawn from the bundle's own population (stable) and then shifted (drift), read
back by the index per cohort and judged against the signed reference profile; bad input is one
line; an offshore region is refused."""

from __future__ import annotations

import json
import re
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from artifacts.bundle import PROFILE_FILE, ReferenceProfile, load_bundle
from artifacts.ledger import Decision, open_store
from artifacts.registry import import_bundle
from monitoring import Verdict
from monitoring.errors import MonitoringError
from monitoring.plan import EMBEDDED_PLAN
from monitoring.report import MonitoringReport
from monitoring.run import MonitorRequest, run_monitor
from regions import load_catalogue, region_home

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))
from test_cli import run  # noqa: E402

REGION = "onshore-hn"
START = datetime(2026, 10, 31, 17, tzinfo=UTC)  # 2026-11-01 00:00 in Hanoi


def draws(profile: ReferenceProfile, n: int, rng, shift: float = 0.0) -> np.ndarray:
    """Scores from the reference distribution (inverse CDF on its percentile grid, the tails
    beyond the grid at its ends), moved."""
    u = rng.uniform(0, 1, n)
    return np.clip(np.interp(u, profile.score.levels, profile.score.quantiles) + shift, 0, 1)


@pytest.fixture(scope="module")
def region(serving, tmp_path_factory):
    home = tmp_path_factory.mktemp("monitor") / "home"
    shutil.copytree(serving.home / "keys", home / "keys")
    catalogue = load_catalogue(serving.catalogue)
    imported = import_bundle(serving.champion, catalogue=catalogue, region=REGION, home=home)
    profile = ReferenceProfile.from_json(load_bundle(imported.bundle).document(PROFILE_FILE))
    rng = np.random.default_rng(0)
    store = open_store(str(region_home(home, REGION) / "decisions.db"))
    batch, first_week = [], {}
    for day in range(21):  # November 1-14 as trained, 15-21 shifted up by 0.1
        shift = 0.1 if day >= 14 else 0.0
        for i, p in enumerate(draws(profile, 300, rng, shift)):
            at = (START + timedelta(days=day, seconds=i * 60)).isoformat(timespec="microseconds")
            app = f"A{day}-{i}"
            batch.append(Decision(f"r{day}-{i}", at, "predict", "champion", imported.model_name,
                                  imported.version, "0" * 64, app, "1" * 64, float(p)))
            if day < 7:
                first_week[app] = float(p)
            if i % 3 == 0:  # a shadow cohort on the same applications: noise, never shifted
                batch.append(Decision(f"r{day}-{i}", at, "predict", "shadow",
                                      imported.model_name, imported.version, "0" * 64, app,
                                      "1" * 64, float(draws(profile, 1, rng)[0])))
    store.append(batch)
    store.close()
    return home, catalogue, imported.model_name, first_week


@pytest.fixture(scope="module")
def yearly(tmp_path_factory) -> Path:
    """The embedded plan with one false Page-Hinkley alarm a year, not a month: at the default
    30 days a calm fortnight alarms about a third of the time, which is the design, not a bug."""
    path = tmp_path_factory.mktemp("plan") / "plan.yaml"
    path.write_text(EMBEDDED_PLAN.read_text().replace("false_alarm_interval_days: 30",
                                                      "false_alarm_interval_days: 365"))
    return path


def monitor(region, window: str, **kw):
    home, catalogue, *_ = region
    return run_monitor(MonitorRequest(region=REGION, window=window, home=home,
                                      catalogue=catalogue, **kw))


def verdicts(report: MonitoringReport, role: str) -> dict[str, str]:
    [cohort] = [c for c in report.cohorts if c.role == role]
    return {f"{f.detector}:{f.subject}": f.verdict for f in cohort.findings}


def test_a_window_from_the_models_own_population_is_stable(region, yearly):
    report, path = monitor(region, "2026-11-01..2026-11-14", plan=yearly)
    assert set(verdicts(report, "champion").values()) == {Verdict.STABLE}
    assert set(verdicts(report, "shadow").values()) == {Verdict.STABLE}
    assert report.alerts == []
    assert {c.role: c.decisions for c in report.cohorts} == {"champion": 4200, "shadow": 1400}
    again = MonitoringReport.from_json(json.loads(path.read_text()), source=str(path))
    assert again == report and path.parent == region_home(region[0], REGION) / "monitoring"


def test_a_shifted_week_raises_the_plans_alerts_for_that_cohort_only(region, yearly):
    report, _ = monitor(region, "2026-11-01..2026-11-21", plan=yearly)
    champion, shadow = verdicts(report, "champion"), verdicts(report, "shadow")
    for detector in ("ks:score", "page_hinkley:daily mean score",
                     "approval_shift:approval rate"):
        assert champion[detector] == Verdict.DRIFT, detector
    assert set(shadow.values()) == {Verdict.STABLE}
    raised = {(a.cohort, a.rule) for a in report.alerts}
    assert ("champion v1", "p1.approval_shift_pp") in raised
    assert not any(cohort.startswith("shadow") for cohort, _ in raised)
    [ph] = [f for c in report.cohorts if c.role == "champion" for f in c.findings
            if f.subject == "daily mean score"]
    assert 14 <= ph.detail["alarm_day"] <= 17  # the shift starts on day 14 (0-based)
    # over the three weeks the shifted one is diluted below PSI 0.10; alone it is not
    week, _ = monitor(region, "2026-11-15..2026-11-21", plan=yearly)
    assert verdicts(week, "champion")["psi:score"] == Verdict.DRIFT
    assert verdicts(week, "champion")["wasserstein:score"] == Verdict.DRIFT
    assert {a.rule for a in week.alerts} & {"p1.score_psi", "p2.score_psi"}


@pytest.mark.parametrize(("window", "message"), [
    ("2026-11-01", "must be FROM..TO"),
    ("2026-11-31..2026-12-01", "day is out of range"),
    ("2026-11-10..2026-11-01", "ends before it starts"),
    ("2027-01-01..2027-01-31", "no decisions of uci-credit-default in 2027-01-01..2027-01-31"),
])
def test_bad_windows_are_one_line(region, window, message):
    with pytest.raises(MonitoringError, match=message) as caught:
        monitor(region, window)
    assert "\n" not in caught.value.diagnostics()


def test_an_offshore_region_is_refused_and_a_bundle_without_profile_named(region, tmp_path):
    home, catalogue, *_ = region
    with pytest.raises(MonitoringError, match="offshore"):
        run_monitor(MonitorRequest(region="offshore-sg", window="2026-11-01..2026-11-02",
                                   home=home, catalogue=catalogue))
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    [bundle] = (region_home(copy, REGION) / "bundles").iterdir()
    manifest = json.loads((bundle / "manifest.json").read_text())
    del manifest["files"][PROFILE_FILE]  # as a bundle written before profiles existed
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(MonitoringError, match="has no signed reference_profile.json"):
        run_monitor(MonitorRequest(region=REGION, window="2026-11-01..2026-11-02", home=copy,
                                   catalogue=catalogue))
    edited = tmp_path / "edited"
    shutil.copytree(home, edited)
    [bundle] = (region_home(edited, REGION) / "bundles").iterdir()
    profile = json.loads((bundle / PROFILE_FILE).read_text())
    profile["score"]["counts"][0] += 1  # a reference nudged to hide a drift
    (bundle / PROFILE_FILE).write_text(json.dumps(profile))
    with pytest.raises(MonitoringError, match="changed since it was signed"):
        run_monitor(MonitorRequest(region=REGION, window="2026-11-01..2026-11-02", home=edited,
                                   catalogue=catalogue))


def test_the_command_prints_verdicts_and_refuses_bad_input_in_one_line(region, tmp_path):
    home, catalogue, *_ = region
    args = ("monitor", "run", "--region", REGION, "--home", str(home), "--catalogue",
            str(catalogue.directory))
    out = run(*args, "--window", "2026-11-01..2026-11-21", "--export", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "champion v1" in out.stdout and "drift" in out.stdout and "P1" in out.stdout
    shared = region_home(home, REGION) / "monitoring" / \
        "uci-credit-default-2026-11-01--2026-11-21-export.json"
    assert "AGGREGATES ONLY" in shared.read_text().splitlines()[0]
    assert not re.search(r"A\d+-\d+", shared.read_text())  # none of the fixture's ids
    assert json.loads(shared.read_text())["cohorts"][0]["decisions"] == 6300
    bad = run(*args, "--window", "last week", cwd=tmp_path)
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    assert "Traceback" not in bad.stderr


def outcome_file(path: Path, rows: list[tuple[str, int, str]]) -> Path:
    path.write_text("application_id,default,observed_on\n"
                    + "".join(f"{a},{d},{o}\n" for a, d, o in rows))
    return path


def test_outcomes_load_and_the_monitor_measures_discrimination_and_calibration(region, yearly,
                                                                              tmp_path):
    home, catalogue, model, first_week = region
    rng = np.random.default_rng(1)
    # defaults drawn from the champion's own probabilities: calibrated by construction
    truth = {a: int(rng.random() < p) for a, p in first_week.items()}
    rows = [(a, d, "2027-02-01") for a, d in truth.items()]
    rows += [("NOT-OURS-1", 0, "2027-02-01"), (rows[0][0], 1, "2027-02-01")]  # unknown, repeat
    args = ("outcomes", "load", "--region", REGION, "--home", str(home), "--catalogue",
            str(catalogue.directory))
    out = run(*args, str(outcome_file(tmp_path / "o.csv", rows)), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert f"{len(truth):,} outcomes recorded" in out.stdout
    assert "1 not loaded, no decision of this model has this id: line" in out.stdout
    assert "NOT-OURS-1" in out.stdout and "repeated in the file" in out.stdout
    again = run(*args, str(outcome_file(tmp_path / "o2.csv", rows[:3])), cwd=tmp_path)
    assert "0 outcomes recorded" in again.stdout and "already on record" in again.stdout

    report, _ = monitor(region, "2026-11-01..2026-11-07", plan=yearly)
    [champion] = [c for c in report.cohorts if c.role == "champion"]
    found = {f.detector: f for f in champion.findings}
    assert found["auc"].detail["outcomes_on_record"] == len(truth) == 2100
    ids = sorted(truth)
    expected = roc_auc_score([truth[a] for a in ids], [first_week[a] for a in ids])
    assert found["auc"].statistic == pytest.approx(expected, abs=1e-12)
    assert found["calibration"].verdict == Verdict.STABLE
    [shadow] = [c for c in report.cohorts if c.role == "shadow"]
    [duel] = [f for f in shadow.findings if f.detector == "delong"]
    assert duel.verdict == Verdict.DRIFT and duel.detail["better"] == "champion"
    assert not any("AUC" in reason for reason in report.not_run)

    page = run("monitor", "run", "--region", REGION, "--window", "2026-11-01..2026-11-07",
               "--plan", str(yearly), "--lang", "vi", "--home", str(home), "--catalogue",
               str(catalogue.directory), cwd=tmp_path)
    assert page.returncode == 0, page.stderr
    html = (home / "regions" / REGION / "monitoring" /
            f"{model}-2026-11-01--2026-11-07-vi.html").read_text()
    assert "Báo cáo giám sát" in html and "Kết luận" in html and "ổn định" in html
    # both cohorts have outcomes: 2 score plots, 2 Page-Hinkley paths, AUC and calibration each
    assert html.count("<svg") == 2 * (2 + 2 + 1 + 1)
    for leftover in ("{{", "{%", "Undefined", "None"):
        assert leftover not in html


def test_outcomes_that_match_nothing_or_are_malformed_are_one_line(region, tmp_path):
    home, catalogue, *_ = region
    args = ("outcomes", "load", "--region", REGION, "--home", str(home), "--catalogue",
            str(catalogue.directory))
    nothing = run(*args, str(outcome_file(tmp_path / "n.csv", [("X1", 0, "2027-01-01")])),
                  cwd=tmp_path)
    assert nothing.returncode == 1 and "none of its 1 outcomes matches" in nothing.stderr
    bad = outcome_file(tmp_path / "b.csv", [("A0-1", 2, "2027-01-01"), ("A0-2", 1, "soon")])
    refused = run(*args, str(bad), cwd=tmp_path)
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "line 2: default must be 0 or 1" in refused.stderr
    assert "line 3: observed_on must be an ISO date" in refused.stderr
    offshore = run("outcomes", "load", "--region", "offshore-sg", "--home", str(home),
                   "--catalogue", str(catalogue.directory), str(bad), cwd=tmp_path)
    assert offshore.returncode == 1 and "offshore" in offshore.stderr


@pytest.mark.parametrize(("text", "expected"), [
    ("yesterday", "2026-12-01..2026-12-01"), ("today", "2026-12-02..2026-12-02"),
    ("last-7-days", "2026-11-25..2026-12-01"),
    ("2026-11-01..2026-11-30", "2026-11-01..2026-11-30"),
])
def test_relative_windows_for_a_scheduled_job(text, expected):
    from datetime import date

    from monitoring.run import parse_window

    window = parse_window(text, "Asia/Ho_Chi_Minh", today=date(2026, 12, 2))
    assert window.label == expected
    eve = date.fromisoformat(expected[:10]) - timedelta(days=1)  # Hanoi midnight is 17:00 UTC
    assert window.start == f"{eve}T17:00:00.000000+00:00"


def test_the_served_bundle_may_be_named_instead_of_imported(region, yearly):
    home, catalogue, *_ = region
    [bundle] = (region_home(home, REGION) / "bundles").iterdir()
    report, _ = run_monitor(MonitorRequest(region=REGION, window="2026-11-01..2026-11-03",
                                           home=home, catalogue=catalogue, plan=yearly,
                                           bundles=(bundle,)))
    assert {c.role for c in report.cohorts} == {"champion", "shadow"}


def test_the_window_before_as_baseline_compares_raw_samples_exactly(region, yearly):
    calm, _ = monitor(region, "2026-11-08..2026-11-14", plan=yearly, baseline="window")
    assert calm.reference == "the same cohort's decisions of 2026-11-01..2026-11-07"
    calm_champion = verdicts(calm, "champion")
    assert calm_champion.pop("approval_shift:approval rate") == Verdict.INSUFFICIENT  # 7 days
    assert set(calm_champion.values()) == {Verdict.STABLE}
    moved, _ = monitor(region, "2026-11-15..2026-11-21", plan=yearly, baseline="window")
    champion = verdicts(moved, "champion")
    assert champion["psi:score"] == champion["ks:score"] == Verdict.DRIFT
    assert verdicts(moved, "shadow")["ks:score"] == Verdict.STABLE
    [ks] = [f for c in moved.cohorts if c.role == "champion" for f in c.findings
            if f.detector == "ks"]
    assert ks.n_reference == 2100 and ks.n_window == 2100  # a week each, raw, not a grid
    first, _ = monitor(region, "2026-11-01..2026-11-07", plan=yearly, baseline="window")
    assert verdicts(first, "champion")["psi:score"] == Verdict.INSUFFICIENT  # nothing before
    with pytest.raises(MonitoringError, match="--baseline 'last-year'"):
        monitor(region, "2026-11-01..2026-11-07", baseline="last-year")
