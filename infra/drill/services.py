"""A region's scoring service in a drill: a real `seawall serve` process on 127.0.0.1.

The primary region serves from its database; the DR region starts with `--standby` (its
database is a read-only standby), verifies and loads its bundle under its own trust policy, and
stays not ready until its database is promoted. Faults are signals to the real process: `kill`
(SIGKILL), `freeze` (SIGSTOP, a grey failure: the port stays open, nothing answers).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from infra.drill.errors import DrillError


@dataclass
class RegionService:
    region: str
    port: int
    log: Path
    serve_args: list[str]  # the bundle or alias, home, catalogue, decision log
    standby: bool = False
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "seawall", "serve", "--region", self.region,
                   "--port", str(self.port), "--insecure-no-auth", "--no-access-log",
                   "--checkpoint-interval", "3600", *self.serve_args]
        if self.standby:
            command.append("--standby")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        with self.log.open("a") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                            env=env)

    def wait_started(self, timeout: float = 120) -> dict:
        """Wait until the service has verified its bundle and answers; its `/version`.
        The primary must also be ready; a standby region answers 503 until promotion."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise DrillError(f"{self.region}: seawall serve exited "
                                 f"({self.process.returncode}): {self._tail()}")
            try:
                ready = httpx.get(f"{self.url}/ready", timeout=2)
                body = ready.json()
                reasons = body.get("reasons", [])
                verified = bool(body.get("models"))
                if ready.status_code == 200 or (self.standby and verified and all(
                        r.startswith("decision log") for r in reasons)):
                    return httpx.get(f"{self.url}/version", timeout=2).json()
                if not verified and reasons and not any(r.startswith("starting")
                                                        for r in reasons):
                    raise DrillError(f"{self.region}: not ready: {'; '.join(reasons)}")
            except (httpx.TransportError, ValueError):
                pass
            time.sleep(0.1)
        raise DrillError(f"{self.region}: seawall serve did not start within {timeout:g} s: "
                         f"{self._tail()}")

    def ready(self, timeout: float) -> bool:
        try:
            return httpx.get(f"{self.url}/ready", timeout=timeout).status_code == 200
        except httpx.TransportError:
            return False

    def metric(self, name: str) -> float | None:
        """One unlabelled sample of the service's /metrics, or None."""
        try:
            text = httpx.get(f"{self.url}/metrics", timeout=5).text
        except httpx.TransportError:
            return None
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None

    def signal(self, sig: signal.Signals) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, sig)

    def stop(self) -> None:
        """SIGINT (a graceful shutdown), SIGKILL after 15 s; a frozen process is killed."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGCONT)
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def _tail(self) -> str:
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return " | ".join(lines[-5:]) or "(no output)"
