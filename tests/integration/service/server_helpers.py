"""Start `seawall serve` as a real process on 127.0.0.1 and wait until it answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

SEAWALL = Path(sys.executable).parent / "seawall"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines()


def start(serving, tmp_path: Path, *args: str, ready: bool = True, tls: dict | None = None
          ) -> Server:
    """`seawall serve` on a free port; without authentication options it runs with
    `--insecure-no-auth` (the tests of authentication pass their own). `tls`: httpx's `verify`
    and `cert` for an HTTPS server."""
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    command = [str(SEAWALL), "serve", "--region", "onshore-hn", "--catalogue",
               str(serving.catalogue), "--home", str(tmp_path / "home"), "--port", str(port),
               *args]
    if "--bundle" not in args and "--alias" not in args:
        command += ["--bundle", str(serving.champion)]
    if not {"--jwt-issuer", "--tls-client-ca"} & set(args):
        command.append("--insecure-no-auth")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    server = Server(process, f"{'https' if tls else 'http'}://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"seawall serve exited {process.returncode}:\n{log.read_text()}")
        try:
            status = httpx.get(f"{server.url}/ready", timeout=2, **(tls or {})).status_code
            if status == 200 or (not ready and status == 503):
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    server.stop()
    raise AssertionError(f"seawall serve did not become ready:\n{log.read_text()}")
