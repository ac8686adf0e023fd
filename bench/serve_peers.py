"""Seawall `/predict` against its peers, in one run, on 127.0.0.1, one uvicorn worker each.

Peers (all serve the same trained model; single-row requests, wrk with 1 thread and 8
connections):

- seawall:    `seawall serve` (bearer-token authentication, verified bundle, contract checks,
              durable hash-chained decision log in SQLite with synchronous=FULL, signed
              checkpoints, Prometheus metrics, request ids); the JSON access log is off (no
              peer writes one; `--access-log` measures it on).
- seawall, no auth: the same with `--insecure-no-auth`, to show what the token check costs.
- seawall, values not kept: the same with `--feature-retention-days 0` (single rows and
              1,000-row batches), to show what keeping each decision's feature values for the
              monitor costs.
- mlflow:     `mlflow models serve --env-manager local` on the registered scikit-learn model.
- sklearn:    a seed-style FastAPI + pydantic + pandas + scikit-learn endpoint
              (bench/peers/sklearn_fastapi.py).
- chapter:    the credit MLOps chapter's own endpoint (38.6.1): FastAPI + pydantic
              `features: list[list[float]]` -> np.float32 -> predict_proba, columns by position
              (bench/peers/chapter_fastapi.py): the strongest scikit-learn peer.
- raw floor:  raw ASGI + orjson + onnxruntime, no checks, no log (bench/peers/raw_floor.py).
- raw floor, ordered arrays: the same taking a bare array of rows, converted in one call
              (bench/peers/raw_floor_ordered.py). The targets are read against the stronger of
              the two floors, in this run.

Then 1,000-row batches: Seawall rows/s (wrk, 4 connections) in JSON and as Arrow IPC streams,
against in-process onnxruntime on the same rows, single-threaded; the floors answer the same
batches in JSON, which shows how much of in-process speed any HTTP + JSON service keeps.

Every server is started first and warmed; then the peers are measured in turns, `--rounds`
times (the order rotating), and each figure is the median of its rounds. A shared or
throttled host changes speed from minute to minute: turns put every peer under the same
conditions, so the ratios hold even when the absolute figures drift.

    .venv/bin/python bench/serve_peers.py [--seconds 5] [--rounds 3] [--access-log]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Self

import httpx

from _trust import trusting_catalogue
from artifacts.bundle import inference_session
from artifacts.factory import ModelFamily, TrainRequest, build_candidate
from artifacts.registry import sqlite_uri
from artifacts.signing import Method, SignRequest, sign_bundle
from service.dev_issuer import create_issuer, issue_token

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FLOORS = ("raw floor", "raw floor, ordered arrays")
ARROW = "application/vnd.apache.arrow.stream"
UVICORN = [str(BIN / "uvicorn"), "--host", "127.0.0.1", "--workers", "1", "--loop", "uvloop",
           "--http", "httptools", "--no-access-log", "--log-level", "warning"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="per peer and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--access-log", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="seawall-bench-serve-"))
    try:
        run(work, args.seconds, args.rounds, args.access_log)
    except SystemExit:
        for log in sorted(work.glob("*.log")):
            print(f"--- {log.name} (last lines)\n" + "\n".join(log.read_text().splitlines()[-15:]))
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, seconds: int, rounds: int, access_log: bool) -> None:
    home = work / "home"
    print("training and signing the model (30,000 synthetic rows, logistic regression) ...")
    candidate = build_candidate(TrainRequest(region="offshore-sg", home=home,
                                             family=ModelFamily.LOGREG))
    bundle = candidate.bundle
    sign_bundle(SignRequest(bundle=bundle, method=Method.KEY, home=home))
    catalogue = trusting_catalogue(work / "catalogue", home, ["serve"])
    golden = json.loads((bundle / "golden_set.json").read_text())
    one = [golden["rows"][0]]
    batch = [golden["rows"][i % len(golden["rows"])] for i in range(1000)]
    arrow = arrow_stream(bundle, golden["columns"], batch)
    as_numbers = [[float(v) for v in row] for row in one]  # the chapter's clients send floats
    model_uri = f"models:/{candidate.registered.model_name}/{candidate.registered.version}"
    env = {**os.environ, "MLFLOW_TRACKING_URI": sqlite_uri(home), "SEAWALL_BENCH_BUNDLE":
           str(bundle), "SEAWALL_BENCH_MODEL": model_uri, "PYTHONPATH": str(ROOT),
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}  # mlflow execs uvicorn
    # Seawall as production runs it: bearer tokens checked against the issuer's JWKS; and the
    # same without authentication, to show what the check costs.
    jwks = create_issuer(work / "issuer")
    token = issue_token(work / "issuer", issuer="https://idp.bench", audience="seawall",
                        subject="bench", scopes=["seawall:predict"])
    auth = ["--jwt-issuer", "https://idp.bench", "--jwt-audience", "seawall", "--jwt-jwks",
            str(jwks)]
    def seawall(*options: str) -> list[str]:
        return [str(BIN / "seawall"), "serve", "--region", "onshore-hn", "--bundle", str(bundle),
                "--catalogue", str(catalogue), "--access-log" if access_log else
                "--no-access-log", *options]

    bearer = {"Authorization": f"Bearer {token}"}
    servers = {
        "seawall": (seawall("--home", str(home), *auth), "/predict", {"rows": one}, bearer),
        "seawall, no auth": (seawall("--home", str(work / "home-no-auth"), "--insecure-no-auth"),
                             "/predict", {"rows": one}, {}),
        "seawall, values not kept": (seawall("--home", str(work / "home-not-kept"), *auth,
                                             "--feature-retention-days", "0"),
                                     "/predict", {"rows": one}, bearer),
        "mlflow": ([str(BIN / "mlflow"), "models", "serve", "-m", model_uri, "-w", "1",
                    "--env-manager", "local", "-h", "127.0.0.1"], "/invocations",
                   {"dataframe_split": {"columns": golden["columns"], "data": one}}, {}),
        "sklearn": ([*UVICORN, "bench.peers.sklearn_fastapi:app"], "/predict", {"rows": one}, {}),
        "chapter": ([*UVICORN, "bench.peers.chapter_fastapi:app"], "/predict",
                    {"features": as_numbers}, {}),
        "raw floor": ([*UVICORN, "bench.peers.raw_floor:app"], "/", {"rows": one}, {}),
        FLOORS[1]: ([*UVICORN, "bench.peers.raw_floor_ordered:app"], "/", one, {}),
    }
    with Servers(work, env) as running:
        targets = {name: running.start(name, command, path, body, headers)
                   for name, (command, path, body, headers) in servers.items()}
        batches, floor_batches = "seawall 1,000-row batches", "raw floor 1,000-row batches"
        targets[batches] = running.target(targets["seawall"], {"rows": batch}, batches, bearer)
        targets[floor_batches] = running.target(targets["raw floor"], {"rows": batch},
                                                floor_batches, {})
        ordered_batches = f"{FLOORS[1]} 1,000-row batches"
        targets[ordered_batches] = running.target(targets[FLOORS[1]], batch, ordered_batches, {})
        arrow_batches = "seawall 1,000-row Arrow batches"
        targets[arrow_batches] = running.target(targets["seawall"], arrow, arrow_batches,
                                                {**bearer, "Content-Type": ARROW})
        not_kept = "seawall, values not kept 1,000-row batches"
        targets[not_kept] = running.target(targets["seawall, values not kept"],
                                           {"rows": batch}, not_kept, bearer)
        connections = {name: 4 if "batches" in name else 8 for name in targets}
        for name, url in targets.items():
            running.wait_answering(name, url)
            wrk(url, running.script(name), 2, connections[name])  # warm-up
        in_process = InProcess(bundle, golden, batch)
        sync = fdatasync_ms(home)
        samples: dict[str, list[dict]] = {name: [] for name in [*targets, "in-process"]}
        names = list(targets)
        for r in range(rounds):
            print(f"round {r + 1} of {rounds} ...")
            for name in names[r % len(names):] + names[:r % len(names)]:
                out = wrk(targets[name], running.script(name), seconds, connections[name])
                samples[name].append(parse_wrk(out))
            samples["in-process"].append({"rps": in_process.rows_per_second(seconds)})
    results = {name: median_stats(runs) for name, runs in samples.items()}
    for name in targets:
        s = results[name]
        print(f"  {name:<28} {s['rps']:>9.0f} req/s   p50 {s['p50']:.2f} ms   "
              f"p99 {s['p99']:.2f} ms   non-2xx {s['errors']}")
    print(f"\nfdatasync on the decision log's disk, idle: p50 {sync[0]:.2f} ms, "
          f"p99 {sync[1]:.2f} ms\n  (every Seawall answer waits for its commit's fdatasync: the "
          "log is durable first)")
    report(results, {"seawall": results[batches]["rps"] * 1000,
                     "seawall, Arrow": results[arrow_batches]["rps"] * 1000,
                     "raw floor": max(results[floor_batches]["rps"],
                                      results[ordered_batches]["rps"]) * 1000,
                     "in-process": results["in-process"]["rps"]}, sync, seconds, rounds,
           access_log)


class Servers:
    """The peers' server processes, all running at once; stopped on exit."""

    def __init__(self, work: Path, env: dict) -> None:
        self.work, self.env = work, env
        self.processes: dict[str, subprocess.Popen] = {}
        self.scripts: dict[str, Path] = {}
        self.headers: dict[str, dict[str, str]] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    def start(self, name: str, command: list[str], path: str, body: dict,
              headers: dict[str, str]) -> str:
        port = free_port()
        flag = ["--port", str(port)] if "mlflow" not in command[0] else ["-p", str(port)]
        with (self.work / f"{_slug(name)}.log").open("w") as log:
            self.processes[name] = subprocess.Popen([*command, *flag], env=self.env, stdout=log,
                                                    stderr=log, cwd=ROOT)
        return self.target(f"http://127.0.0.1:{port}{path}", body, name, headers)

    def target(self, url: str, body: dict | list | bytes, name: str, headers: dict[str, str]
               ) -> str:
        payload = self.work / f"{_slug(name)}.body"
        payload.write_bytes(body if isinstance(body, bytes) else json.dumps(body).encode())
        headers = {"Content-Type": "application/json", **headers}
        script = self.work / f"{_slug(name)}.lua"
        lines = ['wrk.method = "POST"',
                 *(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()),
                 f'wrk.body = io.open("{payload}", "rb"):read("*a")']
        script.write_text("\n".join(lines) + "\n")
        self.scripts[name] = script
        self.headers[name] = headers
        return url

    def script(self, name: str) -> Path:
        return self.scripts[name]

    def wait_answering(self, name: str, url: str) -> None:
        process = self.processes.get(name) or self.processes[name.split(" 1,000")[0]]
        wait_answering(process, url, self.script(name).with_suffix(".body").read_bytes(),
                       self.headers[name])


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name)


def wait_answering(process: subprocess.Popen, url: str, payload: bytes,
                   headers: dict[str, str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{url}: the server exited with {process.returncode}")
        try:
            r = httpx.post(url, content=payload, headers=headers, timeout=5, trust_env=False)
            if r.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    sys.exit(f"{url}: no answer within 120 s")


def wrk(url: str, script: Path, seconds: int, connections: int) -> str:
    return subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                           "-s", str(script), url], capture_output=True, text=True,
                          check=True).stdout


def parse_wrk(out: str) -> dict:
    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out).groups()
        return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": ms("50%"), "p99": ms("99%"), "errors": int(errors.group(1)) if errors else 0}


class InProcess:
    """onnxruntime in this process on the same 1,000 rows: the batch peer."""

    def __init__(self, bundle: Path, golden: dict, batch: list) -> None:
        from artifacts.bundle import Contract, GoldenSet, golden_feeds

        contract = Contract.from_dict(json.loads((bundle / "contract.json").read_text()))
        rows = GoldenSet.from_json({**golden, "rows": batch})
        self.feeds = golden_feeds(rows, contract)
        self.rows = len(batch)
        self.session = inference_session((bundle / "model.onnx").read_bytes())
        self.session.run(["probabilities"], self.feeds)

    def rows_per_second(self, seconds: float) -> float:
        runs, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            self.session.run(["probabilities"], self.feeds)
            runs += 1
        return runs * self.rows / (time.perf_counter() - start)


def fdatasync_ms(directory: Path, count: int = 200) -> tuple[float, float]:
    """p50 and p99 of `fdatasync` after a 4 KiB write in `directory`: the least a durable
    commit there costs."""
    path = directory / "fdatasync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    times = []
    try:
        for _ in range(count):
            os.write(fd, b"\0" * 4096)
            start = time.perf_counter()
            os.fdatasync(fd)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        os.close(fd)
        path.unlink()
    times.sort()
    return times[count // 2], times[int(count * 0.99) - 1]


def median_stats(runs: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def report(r: dict, rows_per_s: dict, sync: tuple[float, float], seconds: int, rounds: int,
           access_log: bool) -> None:
    s, in_process = r["seawall"], rows_per_s["in-process"]
    floor = max((r[name] for name in FLOORS), key=lambda f: f["rps"])  # the stronger floor
    kept = r["seawall 1,000-row batches"]["rps"] / \
        r["seawall, values not kept 1,000-row batches"]["rps"]
    checks = [
        ("seawall / mlflow models serve", s["rps"] / r["mlflow"]["rps"], ">= 40"),
        ("seawall / sklearn + FastAPI + pandas", s["rps"] / r["sklearn"]["rps"], ">= 4"),
        ("seawall / the chapter's FastAPI endpoint", s["rps"] / r["chapter"]["rps"], ">= 4"),
        ("seawall / the stronger raw floor", s["rps"] / floor["rps"], ">= 0.5"),
        ("seawall p99 - (floor p99 + fdatasync p99) (ms)", s["p99"] - floor["p99"] - sync[1],
         "<= 2"),
        ("seawall with tokens / without", s["rps"] / r["seawall, no auth"]["rps"], ">= 0.95"),
        ("single rows: values kept / not kept", s["rps"] / r["seawall, values not kept"]["rps"],
         ">= 0.8"),
        ("1,000-row batches: values kept / not kept", kept, ">= 0.8"),
        ("1,000-row JSON batches: seawall / the stronger floor (rows/s)",
         rows_per_s["seawall"] / rows_per_s["raw floor"], ">= 0.4"),
        ("1,000-row Arrow batches: seawall / in-process onnxruntime",
         rows_per_s["seawall, Arrow"] / in_process, ">= 0.5"),
    ]
    print(f"\n1,000-row batches: in-process onnxruntime {in_process:,.0f} rows/s; seawall "
          f"{rows_per_s['seawall']:,.0f} rows/s in JSON, {rows_per_s['seawall, Arrow']:,.0f} "
          f"rows/s in Arrow; the stronger raw floor {rows_per_s['raw floor']:,.0f} rows/s (JSON)"
          f"\n  the raw floor keeps {rows_per_s['raw floor'] / in_process:.2f} of in-process "
          "speed")
    print(f"\nratios (medians of {rounds} rounds of {seconds} s per peer, wrk -t1, 1 worker "
          f"each, access log {'on' if access_log else 'off'}):")
    for label, value, target in checks:
        op, bound = target.split()
        met = value >= float(bound) if op == ">=" else value <= float(bound)
        print(f"  {label:<64} {value:8.2f}   target {target:<7} {'met' if met else 'NOT met'}")


def arrow_stream(bundle: Path, columns: list[str], rows: list[list]) -> bytes:
    """`rows` as an Arrow IPC stream: float64 numeric columns, text categorical ones."""
    import pyarrow as pa

    kinds = {f["name"]: f["type"] for f in json.loads((bundle / "contract.json").read_text())[
        "fields"]}
    table = pa.table({c: pa.array([r[j] for r in rows], pa.float64() if kinds[c] == "numeric"
                                  else pa.string()) for j, c in enumerate(columns)})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    main()
