"""The service under real uvicorn on 127.0.0.1: JSON logs with request ids, several workers on
one chain, schemathesis against the OpenAPI document, and kill -9 under load."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from server_helpers import start

from artifacts.ledger import open_store, verify_chain
from service.dev_issuer import create_issuer, issue_token
from service.settings import ALL_SCOPES


@pytest.fixture
def server(serving, tmp_path):
    s = start(serving, tmp_path)
    yield s
    s.stop()


def test_every_log_line_is_json_and_carries_its_request_id(server, serving):
    r = httpx.post(f"{server.url}/predict", json={"rows": serving.rows(2)},
                   headers={"x-request-id": "trace-42"})
    assert r.status_code == 200 and r.headers["x-request-id"] == "trace-42"
    bad = httpx.post(f"{server.url}/predict", json={"rows": [{"AGE": 30}]})
    assert bad.status_code == 422
    time.sleep(0.3)
    records = [json.loads(line) for line in server.lines() if line.startswith("{")]
    assert records and all({"time", "level", "logger", "message", "request_id"} <= set(r)
                           for r in records)
    access = [r for r in records if r["logger"] == "seawall.access"]
    assert {"request_id": "trace-42", "status": 200} in [
        {"request_id": r["request_id"], "status": r["status"]} for r in access]
    assert any(r["status"] == 422 and r["request_id"] == bad.headers["x-request-id"]
               for r in access)


def test_two_workers_share_one_chain_and_aggregate_metrics(serving, tmp_path):
    server = start(serving, tmp_path, "--workers", "2", "--no-access-log")
    try:
        deadline = time.monotonic() + 90
        while sum("Application startup complete" in x for x in server.lines()) < 2:
            assert time.monotonic() < deadline, "the second worker did not start"
            time.sleep(0.2)
        def send(n: int) -> None:
            with httpx.Client() as c:
                for _ in range(n):
                    assert c.post(f"{server.url}/predict",
                                  json={"rows": serving.rows(3)}).status_code == 200

        threads = [threading.Thread(target=send, args=(25,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        metrics = httpx.get(f"{server.url}/metrics").text
        assert ('seawall_http_requests_total{endpoint="/predict",model_version="1",'
                'status="200"} 100.0') in metrics
        assert sum("Started server process" in x for x in server.lines()) == 2
    finally:
        server.stop()
    report = verify_chain(open_store(str(tmp_path / "home/regions/onshore-hn/decisions.db")))
    assert report.intact and report.records == 300


@pytest.mark.slow
def test_schemathesis_with_every_check_finds_nothing(serving, tmp_path):
    """Every schemathesis check against a service that requires bearer tokens: no 5xx, every
    answer as documented, schema-valid bodies accepted and schema-invalid ones refused (the
    hooks add the one rule JSON Schema cannot state: an id per row), and every operation the
    document marks as secured refuses a request without the token (`ignored_auth`)."""
    jwks = create_issuer(tmp_path / "issuer")
    token = issue_token(tmp_path / "issuer", issuer="https://idp", audience="seawall",
                        subject="schemathesis", scopes=list(ALL_SCOPES))
    server = start(serving, tmp_path, "--jwt-issuer", "https://idp", "--jwt-audience",
                   "seawall", "--jwt-jwks", str(jwks))
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent),
                                          os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "schemathesis"), "run", f"{server.url}/openapi.json",
         "--header", f"Authorization: Bearer {token}",
         "--checks", "all", "--max-examples", "40", "--seed", "7",
         "--phases", "examples,coverage,fuzzing", "--request-timeout", "10"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    server.stop()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "8/8" in result.stdout or "8 operations" in result.stdout, result.stdout[-3000:]


def test_kill_9_under_load_loses_no_answered_decision(serving, tmp_path):
    server = start(serving, tmp_path, "--no-access-log")
    answered: list[str] = []
    stop = threading.Event()

    def load(worker: int) -> None:
        with httpx.Client(timeout=5) as c:
            i = 0
            while not stop.is_set():
                rid = f"w{worker}-{i}"
                i += 1
                try:
                    r = c.post(f"{server.url}/score", json={"rows": serving.rows(2)},
                               headers={"x-request-id": rid})
                except httpx.TransportError:
                    return  # the server is gone
                if r.status_code == 200:
                    answered.append(rid)

    threads = [threading.Thread(target=load, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 120  # kill once the load is real, however fast the machine
    while len(answered) <= 50 and time.monotonic() < deadline:
        time.sleep(0.1)
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait()
    stop.set()
    for t in threads:
        t.join()
    store = open_store(str(tmp_path / "home/regions/onshore-hn/decisions.db"))
    logged = {r.decision.request_id for r in store.records()}
    assert len(answered) > 50
    assert set(answered) <= logged
    report = verify_chain(store)
    assert report.intact, report.reason
