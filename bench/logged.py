"""What several benchmarks share: a signed model imported into onshore-hn with a decision log
filled for it, and the median of repeated timings."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from serve_startup import signed_bundle

from artifacts.ledger import Decision, open_store
from artifacts.registry import import_bundle
from regions import load_catalogue, region_home

REGION = "onshore-hn"


def imported(root: Path):
    """A signed bundle imported into onshore-hn under `root/home`: (home, catalogue, import)."""
    bundle, catalogue = signed_bundle(root)
    home = root / "home"
    return home, catalogue, import_bundle(bundle, catalogue=load_catalogue(catalogue),
                                          region=REGION, home=home)


def fill_log(home: Path, model, start: datetime, span: timedelta, first: int, last: int,
             probabilities: Iterable[float], features: Sequence[str] | None = None) -> None:
    """Champion decisions i in [first, last) of the import `model`, spread evenly from `start`
    over `span` (i < 0 before `start`), the i-th with the next of `probabilities` and, given
    `features`, the (i - first)-th kept values (JSON arrays, as the service keeps them)."""
    store = open_store(str(region_home(home, REGION) / "decisions.db"))
    step = span / last
    batch, kept = [], []
    for i, p in zip(range(first, last), probabilities, strict=False):
        at = (start + i * step).isoformat(timespec="microseconds")
        batch.append(Decision(f"r{i // 100}", at, "predict", "champion", model.model_name,
                              model.version, "0" * 64, f"app-{i}", "1" * 64, float(p)))
        if features is not None:
            kept.append(features[i - first])
        if len(batch) == 20_000:
            store.append(batch, kept or None)
            batch, kept = [], []
    if batch:
        store.append(batch, kept or None)
    store.close()


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """The median seconds of `repeat` calls, and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result
