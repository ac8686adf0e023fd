"""Time `seawall train` (train + export + parity + registry + bundle) on the 30,000-row default.

The peer, measured in the same run on the same rows, is a bare scikit-learn fit of the same
pipeline (no checks, no ONNX, no registry, no bundle): the ratio says what the compliance work
costs on top of fitting. Each family runs `--repeat` times; the median is reported.

    .venv/bin/python bench/train_export_bundle.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from artifacts.factory import (
    ModelFamily,
    TrainRequest,
    build_candidate,
    build_pipeline,
    load_dataset,
    load_spec,
    split,
    write_synthetic_csv,
)


class Timings:
    def __init__(self) -> None:
        self.steps: dict[str, float] = {}

    @contextlib.contextmanager
    def step(self, title: str):
        start = time.perf_counter()
        yield
        self.steps[title.split(":")[0]] = time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = write_synthetic_csv(root / "credit.csv")
        spec = load_spec()
        dataset = load_dataset(data, spec)
        parts = split(dataset, 42)
        X, y = dataset.features(), dataset.target
        print(f"data: {dataset.rows:,} rows x {len(spec.features)} features\n")
        print(f"{'family':<7} {'bare fit s':>10} {'seawall s':>10} {'ratio':>6}   steps (median s)")
        for family in ModelFamily:
            bare, full = [], []
            steps: dict[str, list[float]] = defaultdict(list)
            for i in range(args.repeat):
                start = time.perf_counter()
                build_pipeline(spec, family, 42).fit(X.iloc[parts.train], y[parts.train])
                bare.append(time.perf_counter() - start)
                timings = Timings()
                start = time.perf_counter()
                build_candidate(TrainRequest(region="offshore-sg", home=root / f"h{i}",
                                             data=data, family=family), timings)
                full.append(time.perf_counter() - start)
                for name, seconds in timings.steps.items():
                    steps[name].append(seconds)
            b, f = statistics.median(bare), statistics.median(full)
            detail = ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in steps.items())
            print(f"{family.value:<7} {b:>10.2f} {f:>10.2f} {f / b:>6.2f}   {detail}")


if __name__ == "__main__":
    main()
