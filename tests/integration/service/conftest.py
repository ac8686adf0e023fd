"""A real PostgreSQL server for the decision-log tests: `initdb` and `pg_ctl` in a temp dir.

PostgreSQL refuses to run as root; when the tests run as root (CI containers), the cluster is
created and run as the `postgres` system user that Debian's package adds.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from server_helpers import free_port

from infra.drill.postgres import binary


@pytest.fixture(scope="session")
def postgres() -> str:
    initdb, pg_ctl = binary("initdb"), binary("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed; "
                    ".ci/run installs Debian's postgresql package")
    # not under pytest's tmp dir: its parents are private to the user running the tests
    root = Path(tempfile.mkdtemp(prefix="seawall-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for path in (root, sock):
            os.chown(path, user.pw_uid, user.pw_gid)
        root.chmod(0o755)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run([*as_user, initdb, "-D", str(data), "-U", "seawall", "--auth=trust",
                    "-E", "UTF8", "--no-instructions"], check=True, capture_output=True)
    subprocess.run([*as_user, pg_ctl, "-D", str(data), "-l", str(root / "server.log"), "-w",
                    "-o", f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=on",
                    "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://seawall@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(postgres) -> str:
    """A fresh database per test."""
    import psycopg

    name = f"t_{os.urandom(6).hex()}"
    with psycopg.connect(postgres, autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    return postgres.rsplit("/", 1)[0] + f"/{name}"
