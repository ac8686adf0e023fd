"""`seawall serve` start-up: seconds until /ready answers 200, and the resident memory of the
serving process and its decision-log writer, for one or more source trees side by side.

Every tree serves the same signed bundle (trained and signed here on 2,000 rows, trusted in a
copy of the catalogue); the trees are started in turns, `--rounds` times, and the medians are
printed. Compare a checkout of an earlier commit with this one:

    git worktree add /tmp/before <commit>
    .venv/bin/python bench/serve_startup.py --tree /tmp/before --tree .
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def signed_bundle(root: Path) -> tuple[Path, Path]:
    """(bundle, catalogue): a signed bundle and a catalogue whose onshore-hn trusts its key."""
    sys.path.insert(0, str(ROOT))
    from _trust import trusting_catalogue
    from artifacts.factory import TrainRequest, build_candidate, synthesize
    from artifacts.signing import Method, SignRequest, sign_bundle

    data = root / "credit.csv"
    synthesize(rows=2_000, seed=7).to_csv(data, index=False)
    bundle = build_candidate(TrainRequest(region="offshore-sg", home=root / "home",
                                          data=data)).bundle
    sign_bundle(SignRequest(bundle=bundle, method=Method.KEY, home=root / "home"))
    return bundle, trusting_catalogue(root / "catalogue", root / "home", ["import", "serve"])


def serve_flags(tree: Path) -> list[str]:
    """Options every tree's `seawall serve` takes here: no access log and, for a tree that has
    client authentication, `--insecure-no-auth` (what the token check costs is measured by
    bench/serve_peers.py)."""
    settings = (tree / "service" / "settings.py").read_text()
    return ["--no-access-log", *(["--insecure-no-auth"] if "insecure_no_auth" in settings
                                 else [])]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def once(tree: Path, bundle: Path, catalogue: Path, work: Path) -> tuple[float, float, float]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "seawall", "serve", "--region", "onshore-hn", "--catalogue",
         str(catalogue), "--home", str(work / f"home-{port}"), "--bundle", str(bundle),
         "--port", str(port), *serve_flags(tree)],
        cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{tree}: seawall serve exited {process.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.02)
        ready = time.perf_counter() - start
        children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True,
                                  text=True).stdout.split()
        return ready, rss_mib(process.pid), sum(rss_mib(int(c)) for c in children)
    finally:
        process.terminate()
        process.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", type=Path, help="a source tree (repeat)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    trees = [t.resolve() for t in (args.tree or [ROOT])]
    with tempfile.TemporaryDirectory(prefix="seawall-startup-") as tmp:
        work = Path(tmp)
        bundle, catalogue = signed_bundle(work)
        results: dict[Path, list] = {t: [] for t in trees}
        for _ in range(args.rounds):
            for tree in trees:
                results[tree].append(once(tree, bundle, catalogue, work))
    for tree, runs in results.items():
        ready = [r[0] for r in runs]
        print(f"{str(tree):40} ready {statistics.median(ready):.2f} s (runs "
              f"{', '.join(f'{x:.2f}' for x in ready)}); serving RSS "
              f"{statistics.median(r[1] for r in runs):.0f} MiB; writer RSS "
              f"{statistics.median(r[2] for r in runs):.0f} MiB")


if __name__ == "__main__":
    main()
