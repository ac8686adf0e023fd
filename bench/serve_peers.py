"""Seawall `/predict` against its peers, in one run, on 127.0.0.1, one uvicorn worker each.

Peers (all serve the same trained model; each is started, warmed for 2 s, then measured with
wrk, 1 thread and 8 connections, single-row requests):

- seawall:    `seawall serve` (verified bundle, contract checks, durable hash-chained decision
              log in SQLite with synchronous=FULL, Prometheus metrics, request ids); the JSON
              access log is off (no peer writes one; `--access-log` measures it on).
- mlflow:     `mlflow models serve --env-manager local` on the registered scikit-learn model.
- sklearn:    a seed-style FastAPI + pydantic + pandas + scikit-learn endpoint
              (bench/peers/sklearn_fastapi.py).
- raw floor:  raw ASGI + orjson + onnxruntime, no checks, no log (bench/peers/raw_floor.py).

Then 1,000-row batches: Seawall rows/s (wrk, 4 connections) against in-process onnxruntime on
the same rows, single-threaded. Prints throughput, p50/p99 and the ratios with their targets.

    .venv/bin/python bench/serve_peers.py [--seconds 10] [--access-log]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from artifacts import (
    Method,
    ModelFamily,
    SignRequest,
    TrainRequest,
    add_signer,
    build_candidate,
    ensure_local_key,
    sign_bundle,
)
from artifacts.scoring import inference_session
from artifacts.tracking import sqlite_uri
from regions import PACKAGED_CATALOGUE

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
UVICORN = [str(BIN / "uvicorn"), "--host", "127.0.0.1", "--workers", "1", "--loop", "uvloop",
           "--http", "httptools", "--no-access-log", "--log-level", "warning"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--access-log", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="seawall-bench-serve-"))
    try:
        run(work, args.seconds, args.access_log)
    except SystemExit:
        for log in sorted(work.glob("*.log")):
            print(f"--- {log.name} (last lines)\n" + "\n".join(log.read_text().splitlines()[-15:]))
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, seconds: int, access_log: bool) -> None:
    home = work / "home"
    print("training and signing the model (30,000 synthetic rows, logistic regression) ...")
    candidate = build_candidate(TrainRequest(region="offshore-sg", home=home,
                                             family=ModelFamily.LOGREG))
    bundle = candidate.bundle
    sign_bundle(SignRequest(bundle=bundle, method=Method.KEY, home=home))
    catalogue = work / "catalogue"
    shutil.copytree(PACKAGED_CATALOGUE, catalogue)
    key = ensure_local_key(home)
    add_signer(catalogue / "trust" / "onshore-hn.yaml", "onshore-hn", {
        "name": "bench", "kind": "key", "fingerprint": key.fingerprint,
        "public_key": key.public.read_text(), "purposes": ["serve"]})
    golden = json.loads((bundle / "golden_set.json").read_text())
    one = [golden["rows"][0]]
    batch = [golden["rows"][i % len(golden["rows"])] for i in range(1000)]
    model_uri = f"models:/{candidate.registered.model_name}/{candidate.registered.version}"
    env = {**os.environ, "MLFLOW_TRACKING_URI": sqlite_uri(home), "SEAWALL_BENCH_BUNDLE":
           str(bundle), "SEAWALL_BENCH_MODEL": model_uri, "PYTHONPATH": str(ROOT),
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}  # mlflow execs uvicorn
    seawall = [str(BIN / "seawall"), "serve", "--region", "onshore-hn", "--bundle", str(bundle),
               "--catalogue", str(catalogue), "--home", str(home),
               "--access-log" if access_log else "--no-access-log"]
    peers = {
        "seawall": (seawall, "/predict", {"rows": one}),
        "mlflow": ([str(BIN / "mlflow"), "models", "serve", "-m", model_uri, "-w", "1",
                    "--env-manager", "local", "-h", "127.0.0.1"], "/invocations",
                   {"dataframe_split": {"columns": golden["columns"], "data": one}}),
        "sklearn": ([*UVICORN, "bench.peers.sklearn_fastapi:app"], "/predict", {"rows": one}),
        "raw floor": ([*UVICORN, "bench.peers.raw_floor:app"], "/", {"rows": one}),
    }
    results = {}
    for name, (command, path, body) in peers.items():
        results[name] = measure(work, name, command, path, body, env, seconds, connections=8)
    rows_per_s = measure(work, "seawall 1,000-row batches", seawall, "/predict",
                         {"rows": batch}, env, seconds, connections=4)["rps"] * 1000
    in_process = onnxruntime_rows_per_second(bundle, golden, batch)
    report(results, rows_per_s, in_process, seconds, access_log)


def measure(work: Path, name: str, command: list[str], path: str, body: dict, env: dict,
            seconds: int, *, connections: int) -> dict:
    port = free_port()
    flag = ["--port", str(port)] if "mlflow" not in command[0] else ["-p", str(port)]
    log = (work / f"{name.split()[0]}.log").open("w")
    process = subprocess.Popen([*command, *flag], env=env, stdout=log, stderr=log, cwd=ROOT)
    url = f"http://127.0.0.1:{port}{path}"
    payload = json.dumps(body)
    try:
        wait_answering(process, url, payload)
        script = work / "post.lua"
        (work / "body.json").write_text(payload)
        script.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                          f'wrk.body = io.open("{work / "body.json"}"):read("*a")\n')
        wrk(url, script, 2, connections)  # warm-up
        out = wrk(url, script, seconds, connections)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
    stats = parse_wrk(out)
    print(f"  {name:<28} {stats['rps']:>9.0f} req/s   p50 {stats['p50']:.2f} ms   "
          f"p99 {stats['p99']:.2f} ms   non-2xx {stats['errors']}")
    return stats


def wait_answering(process: subprocess.Popen, url: str, payload: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{url}: the server exited with {process.returncode}")
        try:
            r = httpx.post(url, content=payload, headers={"content-type": "application/json"},
                           timeout=5, trust_env=False)
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


def onnxruntime_rows_per_second(bundle: Path, golden: dict, batch: list) -> float:
    from artifacts import Contract, golden_frame

    contract = Contract.from_dict(json.loads((bundle / "contract.json").read_text()))
    feeds = contract.onnx_feeds(golden_frame({**golden, "rows": batch}, contract))
    session = inference_session((bundle / "model.onnx").read_bytes())
    session.run(["probabilities"], feeds)
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < 3:
        session.run(["probabilities"], feeds)
        runs += 1
    return runs * len(batch) / (time.perf_counter() - start)


def report(r: dict, rows_per_s: float, in_process: float, seconds: int, access_log: bool) -> None:
    s = r["seawall"]
    checks = [
        ("seawall / mlflow models serve", s["rps"] / r["mlflow"]["rps"], ">= 40"),
        ("seawall / sklearn + FastAPI", s["rps"] / r["sklearn"]["rps"], ">= 4"),
        ("seawall / raw ASGI floor", s["rps"] / r["raw floor"]["rps"], ">= 0.4"),
        ("seawall p99 (ms)", s["p99"], "<= 5"),
        ("1,000-row batches: seawall rows/s / in-process onnxruntime", rows_per_s / in_process,
         ">= 0.7"),
    ]
    print(f"\nin-process onnxruntime, 1,000-row batches: {in_process:,.0f} rows/s; "
          f"seawall: {rows_per_s:,.0f} rows/s")
    print(f"\nratios ({seconds} s per peer, wrk -t1, 1 worker each, access log "
          f"{'on' if access_log else 'off'}):")
    for label, value, target in checks:
        op, bound = target.split()
        met = value >= float(bound) if op == ">=" else value <= float(bound)
        print(f"  {label:<60} {value:8.2f}   target {target:<7} {'met' if met else 'NOT met'}")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    main()
