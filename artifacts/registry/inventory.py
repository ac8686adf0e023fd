"""The model inventory (issue 18 item 1): one row per model and region, in the region's
governance store (SQLite, `<home>/regions/<region>/governance.db`) or a PostgreSQL database
(`postgresql://…`, where the roles and row-level security of `inventory_schema` apply).

The registry's write path keeps it: an import creates or refreshes the row, every promotion
sets its status from the states of the model's versions, so the inventory cannot drift from the
registry's aliases. People add what only they know (`seawall inventory register`: purpose,
owners, materiality and complexity, hence the tier; use restrictions, policy exceptions).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from artifacts.errors import RegistryError
from artifacts.registry.inventory_schema import PG_SCHEMA, SQLITE_SCHEMA, STATUSES
from artifacts.registry.promotion import State
from artifacts.registry.protocol import redact


@dataclass(frozen=True, kw_only=True)
class InventoryRow:
    model_name: str
    region: str
    purpose: str
    business_owner: str
    model_owner: str
    developer: str
    validator: str | None = None
    tier: str
    tier_rationale: str
    status: str
    registry_pointer: str | None = None
    monitoring_pointer: str | None = None
    last_review: str | None = None
    next_review: str | None = None
    validation_done: str | None = None
    validation_planned: str | None = None
    use_restrictions: str | None = None
    policy_exceptions: str | None = None

    def to_json(self) -> dict:
        return asdict(self)


COLUMNS = tuple(f.name for f in fields(InventoryRow))
APPROVAL_COLUMNS = ("model_name", "region", "version", "to_state", "approver", "role", "ticket",
                    "statement_sha256", "approved_at")


def status_of(states: Iterable[State]) -> str:
    """The inventory status of a model from the states of its versions in one region."""
    present = set(states)
    for status, among in (("production", {State.PRODUCTION, State.CANARY}),
                          ("shadow", {State.SHADOW}), ("approved", {State.VALIDATED}),
                          ("validation", {State.PENDING_VALIDATION})):
        if present & among:
            return status
    return "retired" if present and present <= {State.RETIRED, State.ROLLED_BACK,
                                                 State.SUPERSEDED} else "development"


class Inventory:
    """The inventory table and its approvals, in SQLite (a path) or PostgreSQL (a URL)."""

    def __init__(self, location: str | Path) -> None:
        self.location = str(location)
        self.pg = self.location.startswith(("postgresql://", "postgres://"))
        try:
            if self.pg:
                import psycopg

                self.db = psycopg.connect(self.location, autocommit=True)
                created = self.db.execute("SELECT to_regclass('inventory')").fetchone()[0]
                if created is None:
                    self.db.execute(PG_SCHEMA)
            else:
                Path(location).parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(location, timeout=30, isolation_level=None)
                self.db.executescript(SQLITE_SCHEMA)
        except Exception as e:  # psycopg's and sqlite's errors alike: one line, the place named
            raise RegistryError(f"{redact(self.location)}: cannot open the model inventory "
                                f"({str(e).strip().splitlines()[0] if str(e) else e})") from e

    def _run(self, sql: str, args: tuple = ()):
        try:
            return self.db.execute(sql.replace("?", "%s") if self.pg else sql, args)
        except Exception as e:
            raise RegistryError(f"{redact(self.location)}: the inventory refused it: "
                                f"{str(e).strip().splitlines()[0]}") from e

    def get(self, model_name: str, region: str) -> InventoryRow | None:
        row = self._run(f"SELECT {', '.join(COLUMNS)} FROM inventory WHERE model_name = ? AND "
                        "region = ?", (model_name, region)).fetchone()
        return None if row is None else InventoryRow(**dict(zip(COLUMNS, row, strict=True)))

    def rows(self, region: str | None = None) -> list[InventoryRow]:
        sql, args = f"SELECT {', '.join(COLUMNS)} FROM inventory", ()
        if region is not None:
            sql, args = sql + " WHERE region = ?", (region,)
        return [InventoryRow(**dict(zip(COLUMNS, r, strict=True)))
                for r in self._run(sql + " ORDER BY region, model_name", args).fetchall()]

    def put(self, row: InventoryRow) -> None:
        """Insert the row, or replace every field of the existing one."""
        if row.status not in STATUSES:
            raise RegistryError(f"status {row.status!r}: not one of {', '.join(STATUSES)}")
        values = tuple(getattr(row, c) for c in COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[2:])
        self._run(f"INSERT INTO inventory ({', '.join(COLUMNS)}) VALUES "
                  f"({', '.join('?' * len(COLUMNS))}) ON CONFLICT (model_name, region) DO UPDATE "
                  f"SET {updates}", values)

    def update(self, model_name: str, region: str, **changes: str | None) -> InventoryRow:
        """Change only the named fields (the database's column grants apply to each)."""
        unknown = set(changes) - set(COLUMNS[2:])
        if unknown:
            raise RegistryError(f"inventory fields {', '.join(sorted(unknown))}: unknown")
        current = self.get(model_name, region)
        if current is None:
            raise RegistryError(f"{model_name} is not in {region}'s inventory; import it (seawall "
                                "import) or register it (seawall inventory register)")
        if changes:
            self._run(f"UPDATE inventory SET {', '.join(f'{c} = ?' for c in changes)} WHERE "
                      "model_name = ? AND region = ?", (*changes.values(), model_name, region))
        return replace(current, **changes)

    def add_approval(self, **values: str) -> None:
        self._run(f"INSERT INTO approvals ({', '.join(APPROVAL_COLUMNS)}) VALUES "
                  f"({', '.join('?' * len(APPROVAL_COLUMNS))})",
                  tuple(values[c] for c in APPROVAL_COLUMNS))

    def approvals(self, model_name: str, region: str) -> list[dict]:
        rows = self._run(f"SELECT {', '.join(APPROVAL_COLUMNS)} FROM approvals WHERE "
                         "model_name = ? AND region = ? ORDER BY id", (model_name, region))
        return [dict(zip(APPROVAL_COLUMNS, r, strict=True)) for r in rows.fetchall()]

    def close(self) -> None:
        self.db.close()
