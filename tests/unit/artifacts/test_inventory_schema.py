"""The inventory's embedded (SQLite) schema: the same tables as PostgreSQL's, its checks, and
approvals that cannot be changed or deleted."""

from __future__ import annotations

import sqlite3

import pytest

from artifacts.registry.inventory_schema import SQLITE_SCHEMA, STATUSES, region_role

ROW = ("INSERT INTO inventory (model_name, region, purpose, business_owner, model_owner, "
       "developer, tier, tier_rationale, status) VALUES ('m', 'onshore-hn', 'retail PD', 'b', "
       "'o', 'd', ?, 'why', ?)")


def test_the_embedded_schema_checks_tier_status_tickets_and_keeps_approvals():
    db = sqlite3.connect(":memory:")
    db.executescript(SQLITE_SCHEMA)
    db.executescript(SQLITE_SCHEMA)  # idempotent
    db.execute(ROW, ("high", "validation"))
    for tier, status in (("huge", "validation"), ("high", "live")):
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            db.execute(ROW.replace("'m'", "'m2'"), (tier, status))
    approve = ("INSERT INTO approvals (model_name, region, version, to_state, approver, role, "
               "ticket, statement_sha256, approved_at) VALUES ('m', 'onshore-hn', '1', "
               "'validated', 'v', 'validator', ?, 'ab', 't')")
    db.execute(approve, ("CHG-1",))
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.execute(approve, ("",))  # a change ticket is mandatory
    for sql in ("UPDATE approvals SET ticket = 'x'", "DELETE FROM approvals"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(sql)
    assert "production" in STATUSES and region_role("onshore-hn") == "seawall_region_onshore_hn"


@pytest.mark.parametrize("name", ["onshore_hn; DROP TABLE inventory", "Onshore", "", "a b"])
def test_a_region_name_that_could_not_be_a_role_is_refused(name):
    from artifacts.errors import ArtifactError

    with pytest.raises(ArtifactError, match="not a region name"):
        region_role(name)
