"""The model inventory's schema (issue 18 items 1-2): one row per model and region with the
fields of the design notes' inventory row and of SR 11-7 / SS1/23 / Circular 83 (REGULATORY.md),
and the approvals recorded against it.

PostgreSQL (production) enforces who may do what in the database itself, so a bug or a hand-run
`psql` cannot get round it:

- roles `seawall_developer`, `seawall_validator`, `seawall_risk_committee` (group roles a person's
  login is granted) and `seawall_auditor` (read-only);
- column privileges: only a validator may write the validation fields (`validator`,
  `validation_done`, `validation_planned`, `last_review`, `next_review`); a developer writes the
  descriptive ones; an auditor writes nothing;
- approvals: only validators and the risk committee may insert one, and only in their own name
  (`approver = current_user`) for a role they hold; nobody may change or delete one;
- row-level security: a region's operators (members of `seawall_region_<region>`) see and
  change only that region's rows; auditors and the risk committee read every region.

SQLite (the embedded default) has the same tables and checks, without roles.
"""

from __future__ import annotations

import re

from artifacts.errors import ArtifactError

STATUSES = ("development", "validation", "approved", "production", "shadow", "retired")
VALIDATION_FIELDS = ("validator", "validation_done", "validation_planned", "last_review",
                     "next_review")
DESCRIPTIVE_FIELDS = ("purpose", "business_owner", "model_owner", "developer",
                      "registry_pointer", "monitoring_pointer", "use_restrictions",
                      "policy_exceptions")
ROLES = ("seawall_developer", "seawall_validator", "seawall_risk_committee", "seawall_auditor")

_TABLES = """
CREATE TABLE IF NOT EXISTS inventory (
    model_name TEXT NOT NULL, region TEXT NOT NULL, purpose TEXT NOT NULL,
    business_owner TEXT NOT NULL, model_owner TEXT NOT NULL, developer TEXT NOT NULL,
    validator TEXT, tier TEXT NOT NULL CHECK (tier IN ('low', 'medium', 'high')),
    tier_rationale TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ({statuses})),
    registry_pointer TEXT, monitoring_pointer TEXT, last_review TEXT, next_review TEXT,
    validation_done TEXT, validation_planned TEXT, use_restrictions TEXT,
    policy_exceptions TEXT, PRIMARY KEY (model_name, region));
CREATE TABLE IF NOT EXISTS approvals (
    id {serial} PRIMARY KEY, model_name TEXT NOT NULL, region TEXT NOT NULL,
    version TEXT NOT NULL, to_state TEXT NOT NULL, approver TEXT NOT NULL, role TEXT NOT NULL,
    ticket TEXT NOT NULL CHECK (ticket <> ''), statement_sha256 TEXT NOT NULL,
    approved_at TEXT NOT NULL);
""".replace("{statuses}", ", ".join(f"'{s}'" for s in STATUSES))
SQLITE_SCHEMA = _TABLES.replace("{serial}", "INTEGER") + """
CREATE TRIGGER IF NOT EXISTS approvals_no_update BEFORE UPDATE ON approvals
    BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;
CREATE TRIGGER IF NOT EXISTS approvals_no_delete BEFORE DELETE ON approvals
    BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;
"""
PG_SCHEMA = _TABLES.replace("{serial}", "BIGSERIAL")


def pg_security(regions: list[str]) -> str:
    """Roles, grants and row-level security for PostgreSQL, idempotent; run by the owner."""
    roles = [*ROLES, *(region_role(r) for r in regions)]
    create = "\n".join(
        f"DO $$ BEGIN CREATE ROLE {r} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; "
        "END $$;" for r in roles)
    every = ", ".join(ROLES)
    return f"""
{create}
REVOKE ALL ON inventory, approvals FROM PUBLIC;
GRANT SELECT ON inventory, approvals TO {every};
GRANT INSERT ON inventory TO seawall_developer, seawall_risk_committee;
GRANT UPDATE ({', '.join(DESCRIPTIVE_FIELDS)}) ON inventory TO seawall_developer;
GRANT UPDATE ({', '.join(VALIDATION_FIELDS)}) ON inventory TO seawall_validator;
GRANT UPDATE (status, tier, tier_rationale) ON inventory TO seawall_risk_committee;
GRANT INSERT ON approvals TO seawall_validator, seawall_risk_committee;
GRANT USAGE ON SEQUENCE approvals_id_seq TO seawall_validator, seawall_risk_committee;
ALTER TABLE inventory ENABLE ROW LEVEL SECURITY;
ALTER TABLE approvals ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS read_all ON inventory;
CREATE POLICY read_all ON inventory FOR SELECT
    USING (pg_has_role('seawall_auditor', 'MEMBER')
           OR pg_has_role('seawall_risk_committee', 'MEMBER'));
DROP POLICY IF EXISTS own_region ON inventory;
CREATE POLICY own_region ON inventory
    USING (pg_has_role('seawall_region_' || replace(region, '-', '_'), 'MEMBER'))
    WITH CHECK (pg_has_role('seawall_region_' || replace(region, '-', '_'), 'MEMBER'));
DROP POLICY IF EXISTS read_all ON approvals;
CREATE POLICY read_all ON approvals FOR SELECT
    USING (pg_has_role('seawall_auditor', 'MEMBER')
           OR pg_has_role('seawall_risk_committee', 'MEMBER')
           OR pg_has_role('seawall_region_' || replace(region, '-', '_'), 'MEMBER'));
DROP POLICY IF EXISTS approve_as_oneself ON approvals;
CREATE POLICY approve_as_oneself ON approvals FOR INSERT
    WITH CHECK (approver = current_user
                AND pg_has_role('seawall_region_' || replace(region, '-', '_'), 'MEMBER')
                AND ((role = 'validator' AND pg_has_role('seawall_validator', 'MEMBER'))
                     OR (role IN ('model-risk-head', 'risk-committee')
                         AND pg_has_role('seawall_risk_committee', 'MEMBER'))));
"""


def region_role(region: str) -> str:
    """The group role whose members operate `region` (onshore-hn: seawall_region_onshore_hn)."""
    if not re.fullmatch(r"[a-z][a-z0-9-]{0,40}", region):  # it becomes an SQL identifier
        raise ArtifactError(f"region {region!r}: not a region name (lowercase letters, digits "
                            "and hyphens)")
    return "seawall_region_" + region.replace("-", "_")
