"""The drill's database pieces on real PostgreSQL: a synchronous standby from pg_basebackup
that holds every committed row, and the refusal of a standby that is not caught up."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest

from infra.drill import DrillRefused
from infra.drill.postgres import Cluster, binary, give_to_postgres
from infra.drill.topology import free_port

pytestmark = pytest.mark.skipif(
    not all(binary(t) for t in ("initdb", "pg_ctl", "pg_basebackup")),
    reason="PostgreSQL server binaries are not installed; .ci/run installs postgresql")


@pytest.fixture
def pair():
    # not under pytest's tmp dir: its parents are private to the user running the tests
    root = Path(tempfile.mkdtemp(prefix="seawall-pg-pair-"))
    root.chmod(0o755)
    give_to_postgres(root)
    primary = Cluster("hn", root / "hn", free_port())
    standby = Cluster("hcm", root / "hcm", free_port())
    try:
        primary.create_primary()
        standby.create_standby(primary)
        primary.wait_streaming("hcm", timeout=30)
        primary.replicate_synchronously_to("hcm")
        yield primary, standby
    finally:
        for cluster in (standby, primary):
            cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def test_a_commit_returns_once_the_standby_has_it_and_promotion_makes_it_writable(pair):
    primary, standby = pair
    assert primary.wait_caught_up("hcm", timeout=10)["sync_state"] == "sync"
    with psycopg.connect(primary.url, autocommit=True) as db:
        db.execute("CREATE TABLE t (n int)")
        db.execute("INSERT INTO t SELECT generate_series(1, 100)")
    primary.kill()  # no shutdown: only what reached the standby survives
    standby.promote()
    with psycopg.connect(standby.url, autocommit=True) as db:
        assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 100
        db.execute("INSERT INTO t VALUES (101)")  # writable after promotion


def test_a_standby_that_is_not_caught_up_is_refused_naming_the_rule(pair):
    primary, standby = pair
    with psycopg.connect(standby.url, autocommit=True) as db:
        db.execute("SELECT pg_wal_replay_pause()")  # flushed, but not replayed
    with psycopg.connect(primary.url, autocommit=True) as db:
        db.execute("CREATE TABLE lagging AS SELECT generate_series(1, 1000) AS n")
    with pytest.raises(DrillRefused, match="rule dr.standby-caught-up") as refused:
        primary.wait_caught_up("hcm", timeout=1)
    assert "replay lag" in str(refused.value) and "not caught up" in str(refused.value)
