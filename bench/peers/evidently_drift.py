"""Run inside the separate Evidently environment by bench/drift.py (Evidently's pins clash with
ours): Evidently's data-drift preset, PSI then KS, over the frames bench/drift.py wrote.
Prints one JSON line: the median seconds of `report.run` (import and file reading not timed).

    <evidently-venv>/bin/python bench/peers/evidently_drift.py DIR REPEAT
"""

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset


def main() -> None:
    folder, repeat = Path(sys.argv[1]), int(sys.argv[2])
    ref, cur = (np.load(folder / f"{name}.npy") for name in ("reference", "window"))
    columns = [f"f{i}" for i in range(ref.shape[1])]
    reference = pd.DataFrame(ref, columns=columns)
    window = pd.DataFrame(cur, columns=columns)
    times, drifted = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        snapshots = [Report([DataDriftPreset(method=m)]).run(current_data=window,
                                                             reference_data=reference)
                     for m in ("psi", "ks")]
        times.append(time.perf_counter() - start)
        drifted = [s.dict()["metrics"][0]["value"]["count"] for s in snapshots]
    print(json.dumps({"seconds": statistics.median(times), "drifted_columns": drifted}))


if __name__ == "__main__":
    main()
