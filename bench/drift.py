"""PSI + KS over 23 features: Seawall's detectors against Evidently's data-drift preset and a
plain numpy floor, side by side in one run, on the same data.

Data (not timed): a reference and a window of `--rows` rows each, 23 float64 columns shaped
like the UCI credit features (normal, log-normal amounts, small integer codes), 5 of them
shifted in the window.

Timed, medians of `--repeat`, each peer doing PSI (deciles of the reference) and KS on every
column:
- evidently: `Report([DataDriftPreset(method="psi")])` then `method="ks"`, in its own
  environment (created by this script under ~/.cache/seawall-bench on first use, pinned;
  Evidently's pins clash with ours). Only `report.run` is timed.
- floor: the least numpy can do for the same answers from raw samples: sort both columns, cut
  the reference's deciles from its sorted copy, count with searchsorted, KS from the two
  sorted copies. Exact two-sample KS.
- seawall, two samples: PSI over the reference's deciles and the exact KS (what a baseline
  window needs): the floor's work plus verdicts, p-values and
  per-bin attribution, each column sorted once (`compare_samples`).
- seawall, monitor: the window against the signed reference profile (`NumericWindow`: counts
  per bin and at each reference percentile, no sort), then `psi()` and `ks()`. The profile is
  built once at training; its build time is printed apart.

Then a 10,000,000-row window read in 1,000,000-row chunks by the monitor path in a fresh
process, which reports its peak RSS.

    .venv/bin/python bench/drift.py [--rows 200000 1000000] [--repeat 3] [--no-evidently]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from logged import timed

from artifacts.bundle.reference_profile import numeric_profile
from monitoring.drift import compare_samples
from monitoring.window import NumericWindow

FEATURES = 23
SHIFTED = (0, 3, 7, 12, 20)
EVIDENTLY_PINS = ["evidently==0.7.23", "pandas==2.3.3"]
PEER = Path(__file__).parent / "peers" / "evidently_drift.py"


def columns(rng: np.random.Generator, rows: int, shift: bool) -> np.ndarray:
    out = np.empty((rows, FEATURES))
    for j in range(FEATURES):
        moved = 0.5 if shift and j in SHIFTED else 0.0
        if j % 3 == 0:
            out[:, j] = rng.normal(moved, 1.0, rows)
        elif j % 3 == 1:
            out[:, j] = np.round(rng.lognormal(10 + moved, 1.0, rows))  # amounts
        else:
            out[:, j] = rng.integers(-2, 9, rows) + (rng.random(rows) < moved)  # codes
    return out


def floor(ref: np.ndarray, cur: np.ndarray) -> list[tuple[float, float]]:
    out = []
    for j in range(ref.shape[1]):
        a, b = np.sort(ref[:, j]), np.sort(cur[:, j])
        edges = a[(np.arange(1, 10) * len(a)) // 10]
        p = np.diff(np.searchsorted(a, edges, side="left"), prepend=0, append=len(a)) / len(a)
        q = np.diff(np.searchsorted(b, edges, side="left"), prepend=0, append=len(b)) / len(b)
        value = float(np.sum((q - p) * np.log((q + 1e-6) / (p + 1e-6))))
        pooled = np.concatenate([a, b])
        d = np.max(np.abs(np.searchsorted(a, pooled, "right") / len(a)
                          - np.searchsorted(b, pooled, "right") / len(b)))
        out.append((value, float(d)))
    return out


def two_samples(ref: np.ndarray, cur: np.ndarray) -> list:
    return [compare_samples(f"f{j}", ref[:, j], cur[:, j]) for j in range(ref.shape[1])]


def monitor(profiles: list, cur: np.ndarray) -> list:
    out = []
    for j, profile in enumerate(profiles):
        window = NumericWindow(f"f{j}", profile)
        window.add(cur[:, j])
        out.append((window.psi(), window.ks()))
    return out


def evidently_python() -> Path:
    venv = Path.home() / ".cache" / "seawall-bench" / "evidently-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating {venv} ({', '.join(EVIDENTLY_PINS)}) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", *EVIDENTLY_PINS], check=True)
    return python


def evidently(ref: np.ndarray, cur: np.ndarray, repeat: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        np.save(Path(tmp) / "reference.npy", ref)
        np.save(Path(tmp) / "window.npy", cur)
        done = subprocess.run([str(evidently_python()), str(PEER), tmp, str(repeat)],
                              check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def chunked(rows: int, chunk: int) -> None:
    """In a fresh process: the monitor path over `rows` rows read `chunk` at a time."""
    rng = np.random.default_rng(1)
    profiles = [numeric_profile(c) for c in columns(rng, 200_000, shift=False).T]
    windows = [NumericWindow(f"f{j}", p) for j, p in enumerate(profiles)]
    start = time.perf_counter()
    for _ in range(rows // chunk):
        block = columns(rng, chunk, shift=True)
        for j, window in enumerate(windows):
            window.add(block[:, j])
    results = [(w.psi(), w.ks()) for w in windows]
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    drifted = sum(r[0].drifted for r in results)
    print(json.dumps({"seconds": seconds, "peak_mib": peak, "drifted": drifted}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-evidently", action="store_true")
    parser.add_argument("--chunked", type=int, default=10_000_000, help="0 to skip")
    parser.add_argument("--_child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        return chunked(args._child, 1_000_000)
    print(f"PSI + KS, {FEATURES} features, medians of {args.repeat}; {os.cpu_count()} cores")
    for rows in args.rows:
        rng = np.random.default_rng(0)
        ref, cur = columns(rng, rows, shift=False), columns(rng, rows, shift=True)
        build, profiles = timed(lambda: [numeric_profile(c) for c in ref.T], 1)
        t_floor, floor_out = timed(lambda: floor(ref, cur), args.repeat)
        t_two, two_out = timed(lambda: two_samples(ref, cur), args.repeat)
        t_mon, mon_out = timed(lambda: monitor(profiles, cur), args.repeat)
        for (_, f_ks), (_, s_ks) in zip(floor_out, two_out, strict=True):  # the same KS
            assert abs(f_ks - s_ks.statistic) < 1e-12
        flagged = [sum(p.drifted for p, _ in out) for out in (two_out, mon_out)]
        print(f"\n{rows:,} rows (reference and window each); columns flagged by PSI: "
              f"two samples {flagged[0]}, monitor {flagged[1]} of {len(SHIFTED)} shifted")
        print(f"  floor (numpy sorts)       {t_floor:8.3f} s")
        print(f"  seawall, two samples      {t_two:8.3f} s   {t_two / t_floor:5.2f}x the floor")
        print(f"  seawall, monitor          {t_mon:8.3f} s   {t_mon / t_floor:5.2f}x the floor"
              f"   (profile built once at training: {build:.3f} s)")
        if not args.no_evidently:
            ev = evidently(ref, cur, args.repeat)
            print(f"  evidently DataDriftPreset {ev['seconds']:8.3f} s   "
                  f"seawall two samples {ev['seconds'] / t_two:5.1f}x faster, "
                  f"monitor {ev['seconds'] / t_mon:5.1f}x faster "
                  f"(drifted columns psi/ks: {ev['drifted_columns']})")
    if args.chunked:
        out = subprocess.run([sys.executable, __file__, "--_child", str(args.chunked)],
                             check=True, capture_output=True, text=True)
        child = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"\n{args.chunked:,}-row window in 1,000,000-row chunks (monitor path, data "
              f"generated per chunk): {child['seconds']:.1f} s, peak RSS "
              f"{child['peak_mib']:.0f} MiB (target 1,024), {child['drifted']} columns flagged")


if __name__ == "__main__":
    main()
