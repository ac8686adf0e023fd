"""The alert path end to end on real servers: `seawall serve` on 127.0.0.1 answers drifted
traffic, `seawall monitor run --push` finds the drift and pushes its gauges to a real
Pushgateway, and a real Prometheus (Debian's), loaded with the plan's rules and scraping both,
turns the P1 alert to firing, which its HTTP API shows; the P0 rule on the live service stays
quiet."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parents[1] / "integration" / "service"))
from server_helpers import free_port, start  # noqa: E402
from test_cli import run  # noqa: E402

from artifacts.registry import import_bundle  # noqa: E402
from monitoring.alerts import prometheus_rules  # noqa: E402
from monitoring.plan import load_plan  # noqa: E402
from regions import load_catalogue  # noqa: E402

PUSHGATEWAY = shutil.which("prometheus-pushgateway") or shutil.which("pushgateway")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("prometheus") is None or PUSHGATEWAY is None,
                       reason="prometheus and prometheus-pushgateway not installed (Debian "
                              "packages of those names; .ci/run installs them)")]


def daemon(command: list[str], log: Path, url: str) -> subprocess.Popen:
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError(f"{command[0]} did not start:\n{log.read_text()}")


def alerts(prometheus: str) -> dict[str, str]:
    found = httpx.get(f"{prometheus}/api/v1/alerts", timeout=5).json()["data"]["alerts"]
    return {a["labels"]["alertname"]: a["state"] for a in found}


def test_drifted_traffic_fires_the_p1_alert_in_prometheus(serving, tmp_path):
    home = tmp_path / "home"
    imported = import_bundle(serving.champion, catalogue=load_catalogue(serving.catalogue),
                             region="onshore-hn", home=home)
    server = start(serving, tmp_path, "--bundle", str(imported.bundle))
    processes = []
    try:
        rows = serving.rows()
        drifted = [dict(r, PAY_0=min(9.0, float(r["PAY_0"]) + 2)) for r in rows]
        for first in range(0, len(drifted), 500):
            httpx.post(f"{server.url}/predict", json={"rows": drifted[first:first + 500]},
                       timeout=30).raise_for_status()
        gateway_port, prometheus_port = free_port(), free_port()
        gateway = f"http://127.0.0.1:{gateway_port}"
        processes.append(daemon([PUSHGATEWAY, f"--web.listen-address=127.0.0.1:{gateway_port}"],
                                tmp_path / "pushgateway.log", f"{gateway}/-/ready"))
        (tmp_path / "rules.yaml").write_text(yaml.safe_dump(prometheus_rules(load_plan())))
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump({
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(tmp_path / "rules.yaml")],
            "scrape_configs": [
                {"job_name": "pushgateway", "honor_labels": True,
                 "static_configs": [{"targets": [f"127.0.0.1:{gateway_port}"]}]},
                {"job_name": "seawall-scoring",
                 "static_configs": [{"targets": [server.url.removeprefix("http://")]}]}]}))
        prometheus = f"http://127.0.0.1:{prometheus_port}"
        processes.append(daemon(
            ["prometheus", f"--config.file={tmp_path / 'prometheus.yml'}",
             f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{prometheus_port}"],
            tmp_path / "prometheus.log", f"{prometheus}/-/ready"))

        today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()  # and yesterday: the
        window = f"{today - timedelta(days=1)}..{today}"  # traffic may predate Hanoi's midnight
        out = run("monitor", "run", "--region", "onshore-hn", "--window", window,
                  "--home", str(home), "--catalogue", str(serving.catalogue), "--push", gateway,
                  cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        assert "P1" in out.stdout and "material score shift" in out.stdout
        [report] = (home / "regions" / "onshore-hn" / "monitoring").glob("*--*.json")
        csi = {f["subject"]: f for c in json.loads(report.read_text())["cohorts"]
               for f in c["findings"] if f["detector"] == "csi"}
        assert csi["PAY_0"]["verdict"] == "drift"  # the feature the traffic moved, kept onshore
        top_p1 = any(f["detail"]["top"] and f["statistic"] > 0.25 for f in csi.values())
        expected = {"SeawallScorePsiMaterial"} | ({"SeawallTopFeatureCsi"} if top_p1 else set())

        deadline, state = time.monotonic() + 60, {}
        while time.monotonic() < deadline:
            state = alerts(prometheus)
            if all(state.get(name) == "firing" for name in expected):
                break
            time.sleep(0.5)
        assert all(state.get(name) == "firing" for name in expected), (expected, state)
        assert top_p1 or "SeawallTopFeatureCsi" not in state  # the pushed CSI gauges decide
        assert "SeawallScoringDown" not in state  # the live service is up and scraped
        assert "SeawallScorePsiModerate" not in state  # P2 is the band below P1 only
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        server.stop()
