"""The embedded decision log: one SQLite file in WAL mode, `synchronous=FULL`.

`BEGIN IMMEDIATE` takes the database's write lock before the chain head is read, so several
worker processes append to one chain without forking it. A commit returns only after the WAL
is on disk.

`hash` has no UNIQUE index: a duplicate would need a SHA-256 collision (each hash covers its
`seq`), so the index guarded nothing and cost a third of a 1,000-row append's time (random keys).
Logs created before it was dropped keep theirs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator
from pathlib import Path

from artifacts.errors import LedgerError
from artifacts.ledger import companions as co
from artifacts.ledger.period import (
    HEAD_SQL,
    IDS_SQL,
    INDEX,
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

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    seq INTEGER PRIMARY KEY, request_id TEXT NOT NULL, decided_at TEXT NOT NULL,
    endpoint TEXT NOT NULL, role TEXT NOT NULL, model_name TEXT NOT NULL,
    model_version TEXT NOT NULL, bundle_digest TEXT NOT NULL, application_id TEXT,
    features_sha256 TEXT NOT NULL, probability REAL NOT NULL, points REAL, reason_codes TEXT,
    caller TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS decisions_request_id ON decisions (request_id);
CREATE TRIGGER IF NOT EXISTS decisions_no_update BEFORE UPDATE ON decisions
    BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS decisions_no_delete BEFORE DELETE ON decisions
    BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
"""
_INSERT = (f"INSERT INTO decisions ({', '.join(COLUMNS)}) "
           f"VALUES ({', '.join('?' * len(COLUMNS))})")


class SqliteStore(co.CompanionReads):
    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.location = f"sqlite:///{path}"
        if read_only:
            self._open_read_only()
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None,
                                      check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(_SCHEMA)
            self.db.executescript(co.SQLITE_SCHEMA)
            self.db.execute(INDEX)
            if not self._has_caller():  # a log from before callers were recorded
                self.db.execute("ALTER TABLE decisions ADD COLUMN caller TEXT")
        except (OSError, sqlite3.Error) as e:
            raise LedgerError(f"{self.location}: cannot open the decision log ({e})") from e

    def _open_read_only(self) -> None:
        """For auditing: the file as it is, opened read-only; nothing created or switched."""
        if not self.path.is_file():
            raise LedgerError(f"{self.location}: no decision log there")
        try:
            self.db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                      timeout=30, isolation_level=None,
                                      check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            self.db.execute("SELECT seq FROM decisions LIMIT 1").fetchall()
            self._select = select_list(self._has_caller())
        except sqlite3.Error as e:
            raise LedgerError(f"{self.location}: not a readable decision log ({e}): was it "
                              "replaced, emptied or its table dropped?") from None

    _select = select_list(True)

    def _has_caller(self) -> bool:
        return any(r["name"] == "caller" for r in
                   self.db.execute("PRAGMA table_info(decisions)").fetchall())

    def append(self, decisions: list[Decision], features: list[str | None] | None = None
               ) -> list[LoggedDecision]:
        return self.append_once(decisions, features)[0]

    def append_once(self, decisions: list[Decision], features: list[str | None] | None = None,
                    once: Collection[str] = ()
                    ) -> tuple[list[LoggedDecision], dict[str, list[LoggedDecision]]]:
        """Append, except the decisions of requests in `once` that the log already holds;
        (the records appended, the logged records of those requests). One transaction, so two
        replicas retrying one request log it once."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                logged = {}
                if once:
                    marks = ", ".join("?" * len(once))
                    logged = by_request([row_decision(dict(r)) for r in self.db.execute(
                        f"SELECT {self._select} FROM decisions WHERE request_id IN ({marks}) "
                        "ORDER BY seq", tuple(once))])
                decisions, features = drop_logged(decisions, features, logged)
                head = self.db.execute("SELECT seq, hash FROM decisions ORDER BY seq DESC "
                                       "LIMIT 1").fetchone()
                linked = chain(decisions, *(tuple(head) if head else (0, GENESIS)))
                self.db.executemany(_INSERT, [row_values(r) for r in linked])
                self.db.executemany(co.INSERT_FEATURES, co.feature_rows(linked, features))
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.Error as e:
            raise LedgerError(f"{self.location}: cannot append {len(decisions)} decisions "
                                   f"({e})") from e
        return linked, logged

    def records(self, after: int = 0) -> Iterator[LoggedDecision]:
        try:
            for row in self.db.execute(f"SELECT {self._select} FROM decisions WHERE seq > ? "
                                       "ORDER BY seq", (after,)):
                yield row_decision(dict(row))
        except sqlite3.Error as e:
            raise LedgerError(f"{self.location}: cannot read the decision log ({e})") from e

    def summary(self, model_name: str, start: str, end: str) -> PeriodSummary:
        def one(sql: str, args: tuple) -> tuple:
            return tuple(self.db.execute(sql, args).fetchone() or ())

        try:
            rows, span = grouped_rows(one, model_name, start, end)
            return summarise(model_name, start, end, rows,
                             lambda seq: one(point_sql("?"), (seq,)) or None,
                             one(HEAD_SQL, ()) or None, span)
        except sqlite3.Error as e:
            raise LedgerError(f"{self.location}: cannot read the decision log ({e})") from e

    def scores(self, model_name: str, version: str, role: str, start: str, end: str
               ) -> list[tuple[str, float, str | None]]:
        try:
            return [tuple(r) for r in self.db.execute(SCORES_SQL, (model_name, version, role,
                                                                   start, end))]
        except sqlite3.Error as e:
            raise LedgerError(f"{self.location}: cannot read the decision log ({e})") from e

    def purge_features(self, before: str, chunks: int | None = None) -> int:
        def execute(sql: str, args: tuple) -> int:
            return self.db.execute(sql, args).rowcount

        try:
            return co.purge(execute, before, chunks)
        except sqlite3.Error as e:
            raise LedgerError(f"{self.location}: cannot delete expired feature values "
                              f"({e})") from e

    def add_document(self, kind: str, model_name: str, start: str, end: str, created_at: str,
                     body: str) -> None:
        try:
            self.db.execute(co.INSERT_DOCUMENT,
                            co.document_row(kind, model_name, start, end, created_at, body))
        except sqlite3.Error as e:
            raise LedgerError(f"{self.location}: cannot record the {kind} ({e})") from e

    def _has(self, table: str) -> bool:
        return bool(self._read("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (table,)))

    def _read(self, sql: str, args: tuple) -> list:
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.Error as e:
            raise LedgerError(f"{self.location}: cannot read the decision log ({e})") from e

    def application_ids(self, model_name: str) -> set[str]:
        try:
            return {r[0] for r in self.db.execute(IDS_SQL, (model_name,)) if r[0] is not None}
        except sqlite3.Error as e:
            raise LedgerError(f"{self.location}: cannot read the decision log ({e})") from e

    def close(self) -> None:
        self.db.close()
