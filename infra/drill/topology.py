"""The drill's topology on 127.0.0.1: per region a PostgreSQL cluster and a `seawall serve`
process, HAProxy in front. The primary's cluster streams synchronously to the DR region's
standby; the DR service runs `--standby` and turns ready only once its database is promoted.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from infra.drill.errors import DrillError
from infra.drill.haproxy import Router
from infra.drill.postgres import Cluster, binary, give_to_postgres
from infra.drill.services import RegionService

TOOLS = ("initdb", "pg_ctl", "pg_basebackup")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def missing_tools() -> list[str]:
    """The server programs a drill needs that this machine lacks."""
    missing = [f"{t} (apt-get install postgresql)" for t in TOOLS if binary(t) is None]
    if shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists():
        missing.append("haproxy (apt-get install haproxy)")
    return missing


@dataclass
class Site:
    """One region of the drill: its database cluster and its service."""

    region: str
    cluster: Cluster
    service: RegionService


class Topology:
    """`up()` builds it (primary first), `down()` tears every server down; `root` holds the
    clusters, configurations and logs (removed by `down()` unless `keep`)."""

    def __init__(self, primary: str, dr: str, serve_args: dict[str, list[str]], *,
                 root: Path | None = None, keep: bool = False, progress=print) -> None:
        self.root = root or Path(tempfile.mkdtemp(prefix="seawall-drill-"))
        self.root.mkdir(parents=True, exist_ok=True)
        give_to_postgres(self.root)
        self.root.chmod(0o755)
        self.keep, self.progress = keep, progress
        self.sites = {}
        for region in (primary, dr):
            port = free_port()
            cluster = Cluster(region.replace("-", "_"), self.root / f"pg-{region}", free_port())
            args = [*serve_args[region], "--decision-log", cluster.url]
            service = RegionService(region, port, self.root / f"serve-{region}.log", args,
                                    standby=region == dr)
            self.sites[region] = Site(region, cluster, service)
        self.router = Router(self.root, free_port(),
                             {r: s.service.port for r, s in self.sites.items()})
        self.versions: dict[str, dict] = {}

    def up(self, primary: str, dr: str) -> None:
        p, d = self.sites[primary], self.sites[dr]
        started = time.monotonic()
        self.progress(f"PostgreSQL: {primary} primary (initdb), {dr} synchronous standby "
                      "(pg_basebackup)")
        p.cluster.create_primary()
        d.cluster.create_standby(p.cluster)
        p.cluster.wait_streaming(d.cluster.name, timeout=30)
        p.cluster.replicate_synchronously_to(d.cluster.name)
        self.progress(f"seawall serve: {primary} (primary) and {dr} (--standby), each verifying "
                      "the bundle under its own trust policy")
        p.service.start()
        self.versions[primary] = p.service.wait_started()
        d.service.start()  # after the primary created the log's tables, which then replicate
        self.versions[dr] = d.service.wait_started()
        self.progress("HAProxy: routing to the region that is ready (health check /ready)")
        self.router.start()
        self.progress(f"topology up in {time.monotonic() - started:.1f} s under {self.root}")

    def rebuild(self, old: str, new_primary: str) -> None:
        """After a failover: `old` becomes the synchronous standby of `new_primary`, rebuilt
        from it with `pg_basebackup`, and its service restarts `--standby`."""
        o, n = self.sites[old], self.sites[new_primary]
        self.progress(f"rebuilding {old} from {new_primary}: pg_basebackup, synchronous "
                      "replication, seawall serve --standby")
        o.service.kill()
        o.cluster.stop("immediate")
        o.cluster.create_standby(n.cluster)
        n.cluster.wait_streaming(o.cluster.name, timeout=30)
        n.cluster.replicate_synchronously_to(o.cluster.name)
        o.service.standby = True
        o.service.start()
        self.versions[old] = o.service.wait_started()

    def down(self) -> None:
        self.router.stop()
        for site in self.sites.values():
            with suppress(Exception):
                site.service.stop()
        for site in self.sites.values():
            with suppress(Exception):
                site.cluster.stop("immediate")
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Topology:
        return self

    def __exit__(self, *exc) -> None:
        self.down()


def require_tools() -> None:
    missing = missing_tools()
    if missing:
        raise DrillError(f"a drill runs real servers, and this machine lacks: "
                         f"{', '.join(missing)}")
