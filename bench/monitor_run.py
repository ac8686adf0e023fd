"""`seawall monitor run` on a window of 1,000,000 decisions: the whole run against the least
work that gives its central answer.

Set-up (not timed): a model trained on 2,000 synthetic rows, signed, imported into onshore-hn,
and `--decisions` champion decisions over the 30 days of November 2026 (Hanoi time) appended to
its SQLite log, with scores drawn from the bundle's own reference profile and, kept beside each
decision as the service keeps them, the 23 feature values of a golden row drawn at random.

Timed, medians of `--repeat`:
- monitor run: `run_monitor` end to end (summary from the index, the window's rows read by the
  index, PSI with bins, KS and W1 on the grid, Page-Hinkley on daily mean score and approval
  rate with lambda's calibration cached, the approval shift, CSI on the 23 features and PCA-CSI
  from the kept values with the correction across features, the plan's alerts, the report
  written and recorded in the store). Target: under 30 s.
- floor: one SQL pass reading the window's probabilities and a numpy PSI over the reference
  deciles: the score-PSI answer and nothing else.
- CSI floor: one SQL pass reading every kept row, one JSON parse, and per feature a numpy bin
  count (numeric) or a hash count (categorical) and its PSI: the CSI answers and nothing else
  (no correction, no PCA, no report). The two floors together are the least work for the
  run's central answers.

    .venv/bin/python bench/monitor_run.py [--decisions 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import orjson
from logged import REGION, fill_log, imported, timed

from artifacts.bundle import PROFILE_FILE, Contract, ReferenceProfile, load_bundle
from artifacts.ledger import open_store
from monitoring.drift import psi
from monitoring.run import MonitorRequest, run_monitor
from regions import load_catalogue, region_home

START = datetime(2026, 10, 31, 17, tzinfo=UTC)  # 2026-11-01 00:00 in Hanoi


def set_up(root: Path, decisions: int):
    """The import and its log, with scores drawn from the bundle's own reference profile."""
    home, catalogue, model = imported(root)
    bundle = load_bundle(model.bundle)
    profile = ReferenceProfile.from_json(bundle.document(PROFILE_FILE))
    rng = np.random.default_rng(0)
    scores = np.interp(rng.uniform(0, 1, decisions), profile.score.levels,
                       profile.score.quantiles)
    golden = bundle.document("golden_set.json")
    order = [golden["columns"].index(n) for n in
             Contract.from_dict(bundle.document("contract.json")).names]
    rows = [orjson.dumps([r[j] for j in order]).decode() for r in golden["rows"]]
    features = [rows[k] for k in rng.integers(0, len(rows), decisions)]
    fill_log(home, model, START, timedelta(days=30), 0, decisions, scores, features)
    return home, load_catalogue(catalogue), model.model_name, profile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="seawall-bench-monitor-"))
    try:
        start = time.perf_counter()
        home, catalogue, model, profile = set_up(root, args.decisions)
        print(f"set-up: {args.decisions:,} decisions over November 2026 in "
              f"{time.perf_counter() - start:.0f} s")
        request = MonitorRequest(region=REGION, window="2026-11-01..2026-11-30", home=home,
                                 catalogue=catalogue, model=model)
        run_monitor(request)  # warm: lambda's calibration is cached per process
        run_s, (report, _) = timed(lambda: run_monitor(request), args.repeat)
        log = open_store(str(region_home(home, REGION) / "decisions.db"), read_only=True)
        edges = np.asarray(profile.score.edges)
        reference = np.asarray(profile.score.counts[:-1])

        def floor() -> float:
            p = np.fromiter((r[0] for r in log.db.execute(
                "SELECT probability FROM decisions WHERE decided_at >= ? AND decided_at < ?",
                (START.isoformat(), (START + timedelta(days=30)).isoformat()))), np.float64)
            return psi(reference, np.bincount(np.searchsorted(edges, p, side="right"),
                                              minlength=len(edges) + 1))[0]

        floor_s, value = timed(floor, args.repeat)
        names = Contract.from_dict(load_bundle(
            next((home / "regions" / REGION / "bundles").iterdir())).document(
                "contract.json")).names

        numeric = [j for j, n in enumerate(names) if profile.features[n].numeric is not None]

        def csi_floor() -> dict[str, float]:
            texts = [r[0] for r in log.db.execute("SELECT features FROM decision_features")]
            rows = np.array(orjson.loads("[" + ",".join(texts) + "]"), dtype=object)
            block = rows[:, numeric]
            block[block == None] = np.nan  # noqa: E711
            block = block.astype(np.float64)
            found = {}
            for i, j in enumerate(numeric):
                f = profile.features[names[j]].numeric
                cuts = np.asarray(f.edges)
                counts = np.bincount(np.searchsorted(cuts, block[:, i], side="right"),
                                     minlength=len(cuts) + 1)
                found[names[j]] = psi(np.asarray(f.counts[:-1]), counts)[0]
            for j, name in enumerate(names):
                f = profile.features[name]
                if f.categorical is not None:
                    seen = Counter(rows[:, j].tolist())
                    found[name] = psi(np.asarray(list(f.categorical.categories.values())),
                                      np.array([seen.get(c, 0) for c in
                                                f.categorical.categories]))[0]
            return found

        csi_s, csi = timed(csi_floor, args.repeat)
        [cohort] = report.cohorts
        [found] = [f for f in cohort.findings if f.detector == "psi"]
        assert sum(f.detector == "csi" for f in cohort.findings) == len(profile.features)
        assert cohort.decisions == args.decisions and abs(found.statistic - value) < 1e-9
        assert all(abs(f.statistic - csi[f.subject]) < 1e-9 for f in cohort.findings
                   if f.detector == "csi" and f.detail["kind"] == "numeric")
        print(f"monitor run, {cohort.decisions:,} decisions: {run_s:6.2f} s "
              f"({len(cohort.findings)} findings, {len(report.alerts)} alerts)")
        print(f"  floor, one SQL pass + numpy PSI: {floor_s:6.2f} s")
        print(f"  CSI floor, one SQL pass + one parse + numpy bins, {len(csi)} features: "
              f"{csi_s:6.2f} s")
        print(f"  the run is {run_s / (floor_s + csi_s):.2f}x the two floors together")
        for alert in report.alerts:  # the scores come from the profile's percentile grid
            print(f"  alert {alert.severity} {alert.rule}: {alert.subject} "
                  f"{alert.statistic:.4g} > {alert.threshold:.4g}")
        print(f"target: under 30 s -> {'met' if run_s < 30 else 'NOT met'}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
