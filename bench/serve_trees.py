"""`seawall serve` throughput for source trees side by side: 1,000-row `/predict` rows/s and
single-row requests/s, each tree serving the same signed bundle with its decision log in
SQLite (synchronous=FULL), one uvicorn worker, wrk with 1 thread.

Made to answer "what did a change cost?": compare a checkout of an earlier commit with this one,

    git worktree add /tmp/before <commit>
    .venv/bin/python bench/serve_trees.py --tree /tmp/before --tree .

A tree that has client authentication is run with `--insecure-no-auth` (bench/serve_peers.py
measures the token check); every tree's server runs at once, and the trees are measured in
turns, `--rounds` times (the order rotating); each figure is the median of its rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_peers import free_port, parse_wrk, wait_answering, wrk  # noqa: E402
from serve_startup import ROOT, serve_flags, signed_bundle  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", type=Path, help="a source tree (repeat)")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    trees = [t.resolve() for t in (args.tree or [ROOT])]
    with tempfile.TemporaryDirectory(prefix="seawall-trees-") as tmp:
        work = Path(tmp)
        bundle, catalogue = signed_bundle(work)
        golden = json.loads((bundle / "golden_set.json").read_text())
        bodies = {"1 row": [golden["rows"][0]],
                  "1,000 rows": [golden["rows"][i % len(golden["rows"])] for i in range(1000)]}
        scripts = {}
        for name, rows in bodies.items():
            payload = work / f"{name.replace(' ', '-')}.json"
            payload.write_text(json.dumps({"rows": rows}))
            scripts[name] = work / f"{name.replace(' ', '-')}.lua"
            scripts[name].write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = '
                                     f'"application/json"\nwrk.body = io.open("{payload}")'
                                     ':read("*a")\n')
        processes, urls = [], {}
        try:
            for i, tree in enumerate(trees):
                port = free_port()
                log = (work / f"tree-{i}.log").open("w")
                processes.append(subprocess.Popen(
                    [sys.executable, "-m", "seawall", "serve", "--region", "onshore-hn",
                     "--catalogue", str(catalogue), "--home", str(work / f"home-{i}"),
                     "--bundle", str(bundle), "--port", str(port), *serve_flags(tree)],
                    cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, stdout=log,
                    stderr=log))
                urls[tree] = f"http://127.0.0.1:{port}/predict"
                wait_answering(processes[-1], urls[tree],
                               scripts["1 row"].with_suffix(".json").read_text(), {})
            samples = {(t, n): [] for t in trees for n in bodies}
            for r in range(args.rounds):
                print(f"round {r + 1} of {args.rounds} ...")
                order = trees[r % len(trees):] + trees[:r % len(trees)]
                for tree in order:
                    for name in bodies:
                        out = wrk(urls[tree], scripts[name], args.seconds,
                                  4 if name == "1,000 rows" else 8)
                        samples[(tree, name)].append(parse_wrk(out))
        finally:
            for process in processes:
                process.terminate()
                process.wait(20)
    base = trees[0]
    for tree in trees:
        rows_s = statistics.median(s["rps"] for s in samples[(tree, "1,000 rows")]) * 1000
        req_s = statistics.median(s["rps"] for s in samples[(tree, "1 row")])
        base_rows = statistics.median(s["rps"] for s in samples[(base, "1,000 rows")]) * 1000
        base_req = statistics.median(s["rps"] for s in samples[(base, "1 row")])
        p99 = statistics.median(s["p99"] for s in samples[(tree, "1,000 rows")])
        print(f"{str(tree):40} 1,000-row batches {rows_s:>9,.0f} rows/s "
              f"({rows_s / base_rows:.2f}x the first tree), p99 {p99:.1f} ms; single rows "
              f"{req_s:>6,.0f} req/s ({req_s / base_req:.2f}x)")


if __name__ == "__main__":
    main()
