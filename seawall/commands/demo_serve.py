"""The serving part of `seawall demo`: start `seawall serve` on loopback with bearer-token
authentication (a local issuer), send a little traffic (one request without a token and one bad
request among it), print the answers, stop it, and verify the decision log against the
checkpoint the service signed."""

from __future__ import annotations

import base64
import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import typer
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from artifacts.ledger import open_checkpoint, open_store, verify_chain
from artifacts.signing.keys import PUBLIC_KEY
from regions import region_home
from seawall._console import console
from seawall.commands.decisions import checkpoint_home

ISSUER, AUDIENCE = "https://idp.demo.seawall.local", "seawall-demo"


def serve_and_query(bundle: Path, *, region: str, catalogue: Path, home: Path,
                    during: Callable[[str, str, list[str]], None] | None = None) -> None:
    """Serve the region's `production` alias (following it), send the demo's traffic, then
    `during(url, token, columns)` while it still serves; `bundle` gives the traffic's rows."""
    from service.dev_issuer import JWKS_FILE, create_issuer, issue_token

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = region_home(home, region) / "serve-demo.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    issuer = home / "issuer"
    jwks = issuer / JWKS_FILE if (issuer / JWKS_FILE).exists() else create_issuer(issuer)
    token = issue_token(issuer, issuer=ISSUER, audience=AUDIENCE, subject="demo-loan-origination",
                        scopes=["seawall:predict", "seawall:score", "seawall:read"])
    auth = ["--jwt-issuer", ISSUER, "--jwt-audience", AUDIENCE, "--jwt-jwks", str(jwks)]
    command = [sys.executable, "-m", "seawall", "serve", "--region", region, "--alias",
               "production", "--catalogue", str(catalogue), "--home", str(home), "--port",
               str(port), "--checkpoint-interval", "1", "--canary-min-rows", "100", *auth]
    console.print(f"$ seawall auth dev-issuer --dir {issuer}  [dim](a local token issuer; "
                  "production uses the bank's)[/]")
    console.print(f"$ seawall serve --region {region} --alias production --port {port} "
                  f"--jwt-issuer {ISSUER} --jwt-audience {AUDIENCE} --jwt-jwks {jwks}  "
                  f"[dim](JSON logs: {log})[/]", soft_wrap=True)
    with log.open("w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_ready(server, url, log)
        note = _traffic(url, bundle, token)
        if during is not None:
            during(url, token, json.loads((bundle / "golden_set.json").read_text())["columns"])
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    console.print("[green]✓[/] service stopped")
    kept = home / "auditor" / "checkpoint.note"  # the auditor's copy of what /checkpoint served
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text(note)
    public = checkpoint_home(home, region) / "keys" / PUBLIC_KEY
    checkpoint = open_checkpoint(note, load_pem_public_key(public.read_bytes()), source=str(kept))
    store = open_store(str(region_home(home, region) / "decisions.db"), read_only=True)
    report = verify_chain(store, checkpoint=checkpoint)
    store.close()
    mark = "[green]✓[/]" if report.intact else "[red]✗[/]"
    console.print(f"{mark} decision log {report.location}: {report.records} decisions, chain "
                  f"{'intact' if report.intact else f'broken at {report.broken_at}'}; head "
                  f"{report.head[:16]}…\n  consistent with the {report.consistent_with} the "
                  f"auditor kept\n  (seawall decisions verify --home {home} --checkpoint "
                  f"{kept})", soft_wrap=True)
    if not report.intact:
        raise typer.Exit(1)


def _traffic(url: str, bundle: Path, token: str) -> str:
    """Send the demo's requests and print the answers; the signed checkpoint served last."""
    golden = json.loads((bundle / "golden_set.json").read_text())
    rows = [dict(zip(golden["columns"], r)) for r in golden["rows"][:3]]
    anonymous = httpx.post(f"{url}/predict", json={"rows": rows[:1]}, timeout=10, trust_env=False)
    console.print(f"POST /predict without a token -> {anonymous.status_code} "
                  f"({anonymous.json()['detail']})")
    with httpx.Client(base_url=url, timeout=10, trust_env=False,
                      headers={"Authorization": f"Bearer {token}"}) as c:
        version = c.get("/version").json()["models"][0]
        console.print(f"GET /version -> {version['model']} v{version['version']}, bundle "
                      f"{version['bundle_digest'][:23]}…, signed by {version['trusted_as']}")
        predicted = c.post("/predict", json={"rows": rows, "application_ids": ["HN-0001",
                                                                               "HN-0002",
                                                                               "HN-0003"]})
        for i, r in enumerate(predicted.json()["results"]):
            console.print(f"POST /predict row {i} -> probability of default "
                          f"{r['probability_of_default']:.4f}")
        day = [dict(zip(golden["columns"], r)) for r in golden["rows"]]
        for first in range(0, len(day), 500):  # a day's applications, for the monitor
            c.post("/predict", json={"rows": day[first:first + 500]}).raise_for_status()
        console.print(f"POST /predict x{-(-len(day) // 500)} -> {len(day):,} more applications "
                      "(the golden set's rows: the model's own population)")
        scored = c.post("/score", json={"rows": rows[:1]}).json()["results"][0]
        console.print(f"POST /score -> {scored['score']:.1f} points")
        for reason in scored["reasons"]:
            console.print(f"    {reason['code']} {reason['en']} / {reason['vi']}")
        bad = dict(rows[0], AGE=250, EDUCATION="graduate")
        rejected = c.post("/predict", json={"rows": [bad]})
        console.print(f"POST /predict (AGE=250, EDUCATION='graduate') -> {rejected.status_code}")
        for v in rejected.json()["violations"]:
            console.print(f"    row {v['row']} {v['field']}: {v['rule']} ({v['message']})")
        metrics = [m for m in c.get("/metrics").text.splitlines()
                   if m.startswith(("seawall_http_requests_total", "seawall_bundle_verified",
                                    "seawall_decisions_logged_total"))]
        console.print("GET /metrics ->\n    " + "\n    ".join(metrics), soft_wrap=True)
        time.sleep(1.5)  # one checkpoint interval: the service signs the log's new size
        note = c.get("/checkpoint").text
        origin, size, root = note.splitlines()[:3]
        console.print(f"GET /checkpoint -> {origin}, {size} decisions, root "
                      f"{base64.b64decode(root).hex()[:16]}… (signed by the region's checkpoint "
                      "key; an auditor keeps a copy)")
    return note


def _wait_ready(server: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise typer.Exit(_failed(log, f"seawall serve exited {server.returncode}"))
        try:
            ready = httpx.get(f"{url}/ready", timeout=2, trust_env=False)
            if ready.status_code == 200:
                console.print(f"[green]✓[/] {url} ready (bundle verified at start-up)")
                return
            if ready.status_code == 503 and "starting" not in str(ready.json()["reasons"]):
                raise typer.Exit(_failed(log, f"not ready: {ready.json()['reasons']}"))
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise typer.Exit(_failed(log, "the service did not become ready in 120 s"))


def _failed(log: Path, why: str) -> int:
    console.print(f"[red]✗[/] {why}; see {log}")
    return 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

