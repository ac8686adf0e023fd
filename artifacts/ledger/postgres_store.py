"""The production decision log: PostgreSQL through psycopg 3.

Appends take a transaction-scoped advisory lock before reading the chain head, so every
worker and every replica of the service extends one chain; `synchronous_commit` stays on, so a
commit is durable before the service answers. UPDATE and DELETE are refused by a trigger.
Give the password through `PGPASSWORD` or `~/.pgpass` (libpq), not in the URL; the URL is
redacted in every message anyway. `hash` has no UNIQUE index, for the reason `sqlite_store` gives.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

import psycopg
from psycopg.rows import dict_row, tuple_row

from artifacts.errors import LedgerError
from artifacts.ledger import companions as co
from artifacts.ledger.period import (
    HEAD_SQL,
    IDS_SQL,
    PG_INDEX,
    SCORES_SQL,
    PeriodSummary,
    grouped_rows,
    point_sql,
    summarise,
)
from artifacts.ledger.records import (
    COLUMNS,
    GENESIS,
    Decision,
    LoggedDecision,
    by_request,
    chain,
    drop_logged,
    row_decision,
    row_values,
    select_list,
)
from artifacts.ledger.stores import redact

_LOCK_KEY = 0x5EA3A11  # pg_advisory_xact_lock key for the chain head
_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    seq BIGINT PRIMARY KEY, request_id TEXT NOT NULL, decided_at TEXT NOT NULL,
    endpoint TEXT NOT NULL, role TEXT NOT NULL, model_name TEXT NOT NULL,
    model_version TEXT NOT NULL, bundle_digest TEXT NOT NULL, application_id TEXT,
    features_sha256 TEXT NOT NULL, probability DOUBLE PRECISION NOT NULL,
    points DOUBLE PRECISION, reason_codes TEXT, caller TEXT, prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL);
ALTER TABLE decisions ADD COLUMN IF NOT EXISTS caller TEXT;
CREATE INDEX IF NOT EXISTS decisions_request_id ON decisions (request_id);
{index};
CREATE OR REPLACE FUNCTION seawall_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the decision log is append-only'; END $$;
DROP TRIGGER IF EXISTS decisions_append_only ON decisions;
CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON decisions
    FOR EACH STATEMENT EXECUTE FUNCTION seawall_append_only();
""".format(index=PG_INDEX)
_INSERT = (f"INSERT INTO decisions ({', '.join(COLUMNS)}) "
           f"VALUES ({', '.join(['%s'] * len(COLUMNS))})")


class PostgresStore(co.CompanionReads):
    def __init__(self, url: str, *, read_only: bool = False) -> None:
        self.location = redact(url)
        try:
            self.db = psycopg.connect(url, row_factory=dict_row, autocommit=True,
                                      connect_timeout=10)
            if read_only:  # auditing: every transaction of this session is read-only
                self.db.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                self.db.execute("SELECT seq FROM decisions LIMIT 1").fetchall()
                self._select = select_list(bool(self.db.execute(
                    "SELECT 1 FROM information_schema.columns WHERE table_name = 'decisions' "
                    "AND column_name = 'caller' AND table_schema = current_schema()"
                ).fetchone()))
                return
            with self.db.transaction():
                self.db.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
                self.db.execute(_SCHEMA)
                self.db.execute(co.PG_SCHEMA)
        except psycopg.Error as e:
            raise LedgerError(f"{self.location}: cannot open the decision log "
                                   f"({_first_line(e)})") from None

    _select = select_list(True)

    def append(self, decisions: list[Decision], features: list[str | None] | None = None
               ) -> list[LoggedDecision]:
        return self.append_once(decisions, features)[0]

    def append_once(self, decisions: list[Decision], features: list[str | None] | None = None,
                    once: Collection[str] = ()
                    ) -> tuple[list[LoggedDecision], dict[str, list[LoggedDecision]]]:
        """As `SqliteStore.append_once`: the look-up runs under the chain-head lock, so every
        replica of the service logs a retried request once."""
        try:
            with self.db.transaction(), self.db.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
                logged = {}
                if once:
                    logged = by_request([row_decision(r) for r in cur.execute(
                        f"SELECT {self._select} FROM decisions WHERE request_id = ANY(%s) "
                        "ORDER BY seq", (list(once),))])
                decisions, features = drop_logged(decisions, features, logged)
                head = cur.execute("SELECT seq, hash FROM decisions ORDER BY seq DESC "
                                   "LIMIT 1").fetchone()
                linked = chain(decisions, *((head["seq"], head["hash"]) if head else
                                            (0, GENESIS)))
                cur.executemany(_INSERT, [row_values(r) for r in linked])
                kept = co.feature_rows(linked, features)
                if kept:
                    cur.executemany(_pg(co.INSERT_FEATURES), kept)
        except psycopg.Error as e:
            raise LedgerError(f"{self.location}: cannot append {len(decisions)} decisions "
                                   f"({_first_line(e)})") from None
        return linked, logged

    def records(self, after: int = 0) -> Iterator[LoggedDecision]:
        try:
            with self.db.transaction(), self.db.cursor(name="seawall_verify") as cur:
                cur.execute(f"SELECT {self._select} FROM decisions WHERE seq > %s ORDER BY seq",
                            (after,))
                for row in cur:
                    yield row_decision(row)
        except psycopg.Error as e:
            raise LedgerError(f"{self.location}: cannot read the decision log "
                                   f"({_first_line(e)})") from None

    def summary(self, model_name: str, start: str, end: str) -> PeriodSummary:
        try:
            with self.db.cursor(row_factory=tuple_row) as cur:
                def one(sql: str, args: tuple) -> tuple:
                    return tuple(cur.execute(sql.replace("?", "%s"), args).fetchone() or ())

                rows, span = grouped_rows(one, model_name, start, end)
                return summarise(model_name, start, end, rows,
                                 lambda seq: one(point_sql("?"), (seq,)) or None,
                                 one(HEAD_SQL, ()) or None, span)
        except psycopg.Error as e:
            raise LedgerError(f"{self.location}: cannot read the decision log "
                                   f"({_first_line(e)})") from None

    def scores(self, model_name: str, version: str, role: str, start: str, end: str
               ) -> list[tuple[str, float, str | None]]:
        try:
            with self.db.cursor(row_factory=tuple_row) as cur:
                return cur.execute(SCORES_SQL.replace("?", "%s"),
                                   (model_name, version, role, start, end)).fetchall()
        except psycopg.Error as e:
            raise LedgerError(f"{self.location}: cannot read the decision log "
                              f"({_first_line(e)})") from None

    def purge_features(self, before: str, chunks: int | None = None) -> int:
        def execute(sql: str, args: tuple) -> int:
            return self.db.execute(_pg(sql), args).rowcount

        try:
            return co.purge(execute, before, chunks)
        except psycopg.Error as e:
            raise LedgerError(f"{self.location}: cannot delete expired feature values "
                              f"({_first_line(e)})") from None

    def add_document(self, kind: str, model_name: str, start: str, end: str, created_at: str,
                     body: str) -> None:
        try:
            self.db.execute(_pg(co.INSERT_DOCUMENT),
                            co.document_row(kind, model_name, start, end, created_at, body))
        except psycopg.Error as e:
            raise LedgerError(f"{self.location}: cannot record the {kind} "
                              f"({_first_line(e)})") from None

    def _has(self, table: str) -> bool:
        return bool(self._read("SELECT 1 FROM information_schema.tables WHERE table_name = ? "
                               "AND table_schema = current_schema()", (table,)))

    def _read(self, sql: str, args: tuple) -> list:
        try:
            with self.db.cursor(row_factory=tuple_row) as cur:
                return cur.execute(_pg(sql), args).fetchall()
        except psycopg.Error as e:
            raise LedgerError(f"{self.location}: cannot read the decision log "
                              f"({_first_line(e)})") from None

    def application_ids(self, model_name: str) -> set[str]:
        try:
            with self.db.cursor(row_factory=tuple_row) as cur:
                return {r[0] for r in cur.execute(IDS_SQL.replace("?", "%s"), (model_name,))
                        if r[0] is not None}
        except psycopg.Error as e:
            raise LedgerError(f"{self.location}: cannot read the decision log "
                              f"({_first_line(e)})") from None

    def close(self) -> None:
        self.db.close()


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
