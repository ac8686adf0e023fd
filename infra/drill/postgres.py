"""The decision-log database of a drill: real PostgreSQL clusters from `initdb`, a primary
streaming to a synchronous standby made with `pg_basebackup`, promoted by `pg_ctl promote`.

Synchronous replication (`synchronous_standby_names` naming the standby, `synchronous_commit`
on) means a commit returns only once the standby has flushed it: a decision the service
acknowledged exists in both regions. PostgreSQL refuses to run as root; as root the clusters
are created and run as Debian's `postgres` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from infra.drill.errors import DrillError, DrillRefused

DATABASE = "decisions"
USER = "seawall"


def binary(name: str) -> str | None:
    """A PostgreSQL server program: on PATH, or in Debian's versioned directory."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def give_to_postgres(*paths: Path) -> None:
    """As root, hand directories to the `postgres` user, which runs the clusters."""
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for path in paths:
            os.chown(path, user.pw_uid, user.pw_gid)


@dataclass
class Cluster:
    """One PostgreSQL cluster on 127.0.0.1 (`name` is its replication application name)."""

    name: str
    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *command: str, timeout: float = 60) -> None:
        done = subprocess.run([*_as_postgres(), *command], capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode != 0:
            raise DrillError(f"PostgreSQL {self.name}: {Path(command[0]).name} failed: "
                             f"{(done.stderr or done.stdout).strip().splitlines()[-1:]}")

    def create_primary(self) -> None:
        """`initdb` and the decision log's database; replication is made synchronous once the
        standby streams (`replicate_synchronously_to`), or every commit would wait for it."""
        self.root.mkdir(parents=True)
        give_to_postgres(self.root)
        self._run(binary("initdb"), "-D", str(self.data), "-U", USER, "--auth=trust", "-E",
                  "UTF8", "--no-instructions")
        self._configure()
        self.start()
        with psycopg.connect(self.url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as db:
            db.execute(f"CREATE DATABASE {DATABASE}")

    def create_standby(self, primary: Cluster) -> None:
        """A copy of `primary` made with `pg_basebackup`, streaming from it as `name`."""
        self.root.mkdir(parents=True, exist_ok=True)
        give_to_postgres(self.root)
        if self.data.exists():
            shutil.rmtree(self.data)
        self._run(binary("pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U",
                  USER, "-D", str(self.data), "-X", "stream", "-R", "--checkpoint=fast",
                  timeout=120)
        self._configure(primary_conninfo=f"'host=127.0.0.1 port={primary.port} user={USER} "
                                         f"application_name={self.name}'",
                        synchronous_standby_names="''")
        self.start()

    def _configure(self, **settings: str) -> None:
        base = {"listen_addresses": "'127.0.0.1'", "port": str(self.port),
                "unix_socket_directories": f"'{self.root}'", "wal_level": "replica",
                "max_wal_senders": "5", "synchronous_commit": "on", "fsync": "on",
                "hot_standby": "on", "wal_receiver_status_interval": "1s"}
        lines = "".join(f"{k} = {v}\n" for k, v in {**base, **settings}.items())
        conf = self.data / "postgresql.auto.conf"
        existing = conf.read_text() if conf.exists() else ""
        conf.write_text(existing + lines)

    def start(self) -> None:
        self._run(binary("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
                  "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop (fast or immediate); nothing if it is not running."""
        if self.running():
            subprocess.run([*_as_postgres(), binary("pg_ctl"), "-D", str(self.data), "-m",
                            mode, "-w", "stop"], capture_output=True, timeout=60)

    def kill(self) -> None:
        """`kill -9` of the postmaster: the database's process dies without a shutdown."""
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)

    def pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def running(self) -> bool:
        """Whether the postmaster lives (a killed one that nobody has reaped yet does not)."""
        pid = self.pid()
        if pid is None:
            return False
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        return state not in ("Z", "X")

    def promote(self) -> None:
        """End recovery: the standby takes writes (`pg_ctl promote -w`)."""
        self._run(binary("pg_ctl"), "-D", str(self.data), "-w", "-t", "30", "promote")

    def replicate_synchronously_to(self, standby: str) -> None:
        """Make `standby` this primary's synchronous standby (after it is streaming)."""
        with psycopg.connect(self.url, autocommit=True) as db:
            db.execute(f"ALTER SYSTEM SET synchronous_standby_names = '{standby}'")
            db.execute("SELECT pg_reload_conf()")

    def replication(self, standby: str) -> dict | None:
        """The standby's row of `pg_stat_replication` (state, sync_state, replay lag in bytes),
        or None while it is not connected."""
        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as db:
            row = db.execute(
                "SELECT state, sync_state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) "
                "FROM pg_stat_replication WHERE application_name = %s", (standby,)).fetchone()
        return None if row is None else {"state": row[0], "sync_state": row[1],
                                         "replay_lag_bytes": int(row[2] or 0)}

    def wait_streaming(self, standby: str, timeout: float) -> None:
        """Wait until `standby` is connected and streaming (before making it synchronous)."""
        deadline = time.monotonic() + timeout
        while (self.replication(standby) or {}).get("state") != "streaming":
            if time.monotonic() > deadline:
                raise DrillError(f"the standby {standby} did not connect to {self.name} within "
                                 f"{timeout:g} s; see its server.log")
            time.sleep(0.1)

    def wait_caught_up(self, standby: str, timeout: float) -> dict:
        """Wait until `standby` streams synchronously with no replay lag; the last status.
        `DrillRefused` naming the rule if it is not caught up within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        status = None
        while True:
            status = self.replication(standby)
            if status and status["state"] == "streaming" and status["sync_state"] == "sync" \
                    and status["replay_lag_bytes"] == 0:
                return status
            if time.monotonic() > deadline:
                seen = ("not connected" if status is None else
                        f"{status['state']}, {status['sync_state']}, replay lag "
                        f"{status['replay_lag_bytes']} bytes")
                raise DrillRefused(f"the standby {standby} is not caught up with the primary "
                                   f"{self.name} after {timeout:g} s ({seen}); rule "
                                   "dr.standby-caught-up: a drill starts only from a "
                                   "synchronous standby with no replay lag")
            time.sleep(0.1)

    def head(self) -> tuple[int, str] | None:
        """The decision log's chain head (seq, hash), or None when it is empty."""
        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as db:
            row = db.execute("SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1"
                             ).fetchone()
        return None if row is None else (int(row[0]), row[1])
