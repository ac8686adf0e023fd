"""The failover router of a drill: HAProxy (Debian's package) on 127.0.0.1, in front of both
regions' services, health-checking `/ready`.

Both regions are ordinary servers of one backend, in `balance first` order: only a region whose
decision log takes writes is ready, so traffic goes wherever the primary database is, and moves
when the standby is promoted. Checks run every `CHECK_MS` (a region is down after `FALL` failed
checks and up after one good one). Every response carries the region that answered in
`X-Seawall-Served-By`, for the drill's measurements.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx

from infra.drill.errors import DrillError

CHECK_MS = 100
FALL = 2
SERVED_BY = "x-seawall-served-by"

_CONFIG = """global
    log stderr format raw local0 warning
    maxconn 2048

defaults
    mode http
    log global
    timeout connect 200ms
    timeout client 10s
    timeout server {server_timeout}
    timeout check 300ms
    retries 2
    option redispatch

frontend scoring
    bind 127.0.0.1:{port}
    default_backend regions

backend regions
    balance first
    option httpchk GET /ready
    http-check expect status 200
    default-server inter {check}ms fastinter {check}ms downinter {check}ms fall {fall} rise 1
    http-response set-header X-Seawall-Served-By %[srv_name]
{servers}
"""


class Router:
    """`start()`, `stop()`; `url` is the address clients use."""

    def __init__(self, root: Path, port: int, servers: dict[str, int],
                 server_timeout: str = "2s") -> None:
        self.root, self.port, self.servers = root, port, servers
        self.server_timeout = server_timeout
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def config(self) -> str:
        servers = "\n".join(f"    server {name} 127.0.0.1:{port} check"
                            for name, port in self.servers.items())
        return _CONFIG.format(port=self.port, check=CHECK_MS, fall=FALL, servers=servers,
                              server_timeout=self.server_timeout)

    def start(self, timeout: float = 20) -> None:
        haproxy = shutil.which("haproxy") or (
            "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
        if haproxy is None:
            raise DrillError("HAProxy is not installed (apt-get install haproxy)")
        path = self.root / "haproxy.cfg"
        path.write_text(self.config())
        checked = subprocess.run([haproxy, "-c", "-q", "-f", str(path)], capture_output=True,
                                 text=True)
        if checked.returncode != 0:
            raise DrillError(f"HAProxy refused its configuration: {checked.stderr.strip()}")
        with (self.root / "haproxy.log").open("w") as out:
            self.process = subprocess.Popen([haproxy, "-db", "-f", str(path)], stdout=out,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise DrillError(f"HAProxy exited ({self.process.returncode}); see "
                                 f"{self.root / 'haproxy.log'}")
            try:
                if httpx.get(f"{self.url}/ready", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise DrillError(f"HAProxy did not route to a ready region within {timeout:g} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
