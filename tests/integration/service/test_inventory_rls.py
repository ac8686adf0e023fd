"""The model inventory's security on a real PostgreSQL (issue 18 item 2): each forbidden read and
write is refused by the database (`SET ROLE` as each person), not only by Python."""

from __future__ import annotations

import psycopg
import pytest

from artifacts.registry.inventory_schema import PG_SCHEMA, pg_security

PEOPLE = {"alice": ("seawall_developer", "seawall_region_onshore_hn"),
          "victor": ("seawall_validator", "seawall_region_onshore_hn"),
          "rita": ("seawall_risk_committee", "seawall_region_onshore_hn"),
          "audrey": ("seawall_auditor",),
          "hugo": ("seawall_developer", "seawall_region_onshore_hcm")}
ROW = ("INSERT INTO inventory (model_name, region, purpose, business_owner, model_owner, "
       "developer, tier, tier_rationale, status) VALUES (%s, %s, 'retail PD', 'retail', "
       "'owner', 'alice', 'high', 'IRB', 'validation')")
APPROVE = ("INSERT INTO approvals (model_name, region, version, to_state, approver, role, "
           "ticket, statement_sha256, approved_at) VALUES ('m', %s, '3', 'validated', %s, %s, "
           "'CHG-1', 'ab', '2026-12-02')")


@pytest.fixture
def db(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as owner:
        owner.execute(PG_SCHEMA)
        owner.execute(pg_security(["onshore-hn", "onshore-hcm"]))
        for person, roles in PEOPLE.items():
            owner.execute(f"DO $$ BEGIN CREATE ROLE {person} NOLOGIN; EXCEPTION WHEN "
                          "duplicate_object THEN NULL; END $$;")
            owner.execute(f"GRANT {', '.join(roles)} TO {person}")
        owner.execute(ROW, ("m", "onshore-hn"))
        owner.execute(ROW, ("m", "onshore-hcm"))
        yield owner


def as_(db, person: str):
    db.execute("RESET ROLE")
    db.execute(f"SET ROLE {person}")
    return db


def regions(db) -> list[str]:
    return sorted(r[0] for r in db.execute("SELECT region FROM inventory").fetchall())


def test_a_developer_sees_their_region_and_cannot_validate_or_approve(db):
    alice = as_(db, "alice")
    assert regions(alice) == ["onshore-hn"]
    assert alice.execute("UPDATE inventory SET purpose = 'retail PD v2'").rowcount == 1
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        alice.execute("UPDATE inventory SET validation_done = '2026-12-01'")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        alice.execute(APPROVE, ("onshore-hn", "alice", "validator"))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        alice.execute(ROW, ("m2", "onshore-hcm"))  # another region's row
    hugo = as_(db, "hugo")
    assert regions(hugo) == ["onshore-hcm"]
    assert hugo.execute("UPDATE inventory SET purpose = 'x' WHERE region = 'onshore-hn'"
                        ).rowcount == 0


def test_a_validator_writes_validation_fields_and_approves_only_as_themself(db):
    victor = as_(db, "victor")
    assert victor.execute("UPDATE inventory SET validation_done = '2026-12-01', "
                          "validator = 'victor'").rowcount == 1
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        victor.execute("UPDATE inventory SET purpose = 'hidden change'")
    victor.execute(APPROVE, ("onshore-hn", "victor", "validator"))
    for approver, role in (("rita", "validator"), ("victor", "model-risk-head")):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            victor.execute(APPROVE, ("onshore-hn", approver, role))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        victor.execute(APPROVE, ("onshore-hcm", "victor", "validator"))  # not his region
    for sql in ("UPDATE approvals SET ticket = 'CHG-2'", "DELETE FROM approvals"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            victor.execute(sql)


def test_an_auditor_reads_every_region_and_writes_nothing(db):
    as_(db, "victor").execute(APPROVE, ("onshore-hn", "victor", "validator"))
    audrey = as_(db, "audrey")
    assert regions(audrey) == ["onshore-hcm", "onshore-hn"]
    assert audrey.execute("SELECT count(*) FROM approvals").fetchone()[0] == 1
    for sql, args in (("UPDATE inventory SET purpose = 'x'", ()),
                      ("DELETE FROM inventory", ()), (ROW, ("m3", "onshore-hn")),
                      (APPROVE, ("onshore-hn", "audrey", "validator"))):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            audrey.execute(sql, args)


def test_the_risk_committee_reads_all_and_approves_as_model_risk_head(db):
    rita = as_(db, "rita")
    assert regions(rita) == ["onshore-hcm", "onshore-hn"]
    rita.execute(APPROVE, ("onshore-hn", "rita", "model-risk-head"))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        rita.execute(APPROVE, ("onshore-hn", "rita", "validator"))  # a role she does not hold
    assert rita.execute("UPDATE inventory SET status = 'approved' WHERE region = 'onshore-hn'"
                        ).rowcount == 1
    assert rita.execute("UPDATE inventory SET status = 'approved' WHERE region = "
                        "'onshore-hcm'").rowcount == 0  # reads every region, changes its own


def test_the_inventory_store_on_postgresql_is_held_to_the_same_rules(db, pg_url):
    """Seawall's own store (`seawall inventory --inventory postgresql://…`), logged in as each
    person: the import's row and status are written, and what a role may not do is refused by
    the database with a one-line error naming the store, not a traceback."""
    from artifacts.errors import RegistryError
    from artifacts.registry.inventory import Inventory

    for person in ("alice", "victor"):
        db.execute(f"ALTER ROLE {person} LOGIN")
    as_user = lambda who: Inventory(pg_url.replace("//seawall@", f"//{who}@"))  # noqa: E731
    owner = Inventory(pg_url)  # the schema exists: the store opens it, creates nothing
    row = owner.get("m", "onshore-hn")
    assert row is not None and row.developer == "alice" and len(owner.rows()) == 2
    alice = as_user("alice")
    assert [r.region for r in alice.rows()] == ["onshore-hn"]  # row-level security
    assert alice.update("m", "onshore-hn", purpose="retail PD v3").purpose == "retail PD v3"
    with pytest.raises(RegistryError, match="the inventory refused it: permission denied") as e:
        alice.update("m", "onshore-hn", validator="alice", validation_done="2026-12-03")
    assert "\n" not in e.value.diagnostics() and "seawall@" not in str(e.value)
    victor = as_user("victor")
    victor.update("m", "onshore-hn", validator="victor", validation_done="2026-12-03")
    victor.add_approval(model_name="m", region="onshore-hn", version="3",
                        to_state="validated", approver="victor", role="validator",
                        ticket="CHG-2", statement_sha256="cd", approved_at="2026-12-03")
    with pytest.raises(RegistryError, match="row-level security"):  # not in his own name
        victor.add_approval(model_name="m", region="onshore-hn", version="3",
                            to_state="validated", approver="rita", role="validator",
                            ticket="CHG-2", statement_sha256="cd", approved_at="2026-12-03")
    assert [a["approver"] for a in owner.approvals("m", "onshore-hn")] == ["victor"]
    for store in (owner, alice, victor):
        store.close()


def test_the_printed_sql_sets_up_a_fresh_database_and_applies_twice(pg_url, tmp_path):
    """`seawall inventory schema-sql`, as a DBA applies it: schema, roles and policies, and a
    second run changes nothing (idempotent)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "seawall", "inventory", "schema-sql",
                          "--region", "onshore-hn"], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    with psycopg.connect(pg_url, autocommit=True) as owner:
        for _ in range(2):
            owner.execute(out)
        enabled = owner.execute("SELECT relname FROM pg_class WHERE relrowsecurity ORDER BY "
                                "relname").fetchall()
        assert [r[0] for r in enabled] == ["approvals", "inventory"]
        assert owner.execute("SELECT count(*) FROM pg_roles WHERE rolname = "
                             "'seawall_region_onshore_hn'").fetchone()[0] == 1
