"""Two tables beside the chain, in the same store, outside the hash chain.

`decision_features`: the feature values of each decision, as received (the JSON array whose
SHA-256 the chained record carries as `features_sha256`, so a kept row can be checked against
the chain). Written by the decision writer in the same transaction as the decisions, read by
the onshore monitor (CSI, PCA-CSI), and deleted after the retention period: the one table of
the store rows leave, because personal data is kept no longer than its purpose needs (PDPL
2025). It lives where the log lives, onshore.

`documents`: typed documents about the log (monitoring reports, their quarterly roll-ups),
append-only like the chain: a rerun adds a newer document, readers take the latest per period.

SQL here uses `?` marks; the PostgreSQL store swaps them for `%s`.
"""

from __future__ import annotations

import hashlib

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS decision_features (
    seq INTEGER PRIMARY KEY, decided_at TEXT NOT NULL, features TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, model_name TEXT NOT NULL,
    period_start TEXT NOT NULL, period_end TEXT NOT NULL, created_at TEXT NOT NULL,
    sha256 TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS documents_period ON documents (kind, model_name, period_start);
CREATE TRIGGER IF NOT EXISTS documents_no_update BEFORE UPDATE ON documents
    BEGIN SELECT RAISE(ABORT, 'documents are append-only'); END;
CREATE TRIGGER IF NOT EXISTS documents_no_delete BEFORE DELETE ON documents
    BEGIN SELECT RAISE(ABORT, 'documents are append-only'); END;
"""
PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS decision_features (
    seq BIGINT PRIMARY KEY, decided_at TEXT NOT NULL, features TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, model_name TEXT NOT NULL,
    period_start TEXT NOT NULL, period_end TEXT NOT NULL, created_at TEXT NOT NULL,
    sha256 TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS documents_period ON documents (kind, model_name, period_start);
DROP TRIGGER IF EXISTS documents_append_only ON documents;
CREATE TRIGGER documents_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON documents
    FOR EACH STATEMENT EXECUTE FUNCTION seawall_append_only();
"""
INSERT_FEATURES = "INSERT INTO decision_features (seq, decided_at, features) VALUES (?, ?, ?)"
# one model version and role over [start, end): the period index, then the kept values by seq
FEATURES_SQL = ("SELECT f.features FROM decisions d JOIN decision_features f ON f.seq = d.seq "
                "WHERE d.model_name = ? AND d.model_version = ? AND d.role = ? AND "
                "d.decided_at >= ? AND d.decided_at < ? ORDER BY d.decided_at")
# retention: from the oldest end, a chunk at a time, so the writer's lock is held briefly
PURGE_SQL = ("DELETE FROM decision_features WHERE seq IN (SELECT seq FROM decision_features "
             "ORDER BY seq LIMIT ?) AND decided_at < ?")
PURGE_CHUNK = 10_000
INSERT_DOCUMENT = ("INSERT INTO documents (kind, model_name, period_start, period_end, "
                   "created_at, sha256, body) VALUES (?, ?, ?, ?, ?, ?, ?)")
# the documents of a kind whose period starts in [start, end), oldest first
DOCUMENTS_SQL = ("SELECT body FROM documents WHERE kind = ? AND model_name = ? AND "
                 "period_start >= ? AND period_start < ? ORDER BY period_start, id")


def feature_rows(linked: list, features: list[str | None] | None) -> list[tuple]:
    """(seq, decided_at, values) for each chained decision whose values are kept."""
    if not features:
        return []
    return [(r.seq, r.decision.decided_at, f) for r, f in zip(linked, features, strict=True)
            if f is not None]


def document_row(kind: str, model_name: str, start: str, end: str, created_at: str,
                 body: str) -> tuple:
    return (kind, model_name, start, end, created_at,
            hashlib.sha256(body.encode()).hexdigest(), body)


def purge(execute, before: str, chunks: int | None = None) -> int:
    """Delete kept feature values decided before `before`, a chunk per statement, at most
    `chunks` chunks (None: until none is left); `execute(sql, args)` returns the rows one
    statement deleted. Returns how many were deleted."""
    deleted, done = 0, 0
    while (chunks is None or done < chunks) and \
            (n := execute(PURGE_SQL, (PURGE_CHUNK, before))) > 0:
        deleted, done = deleted + n, done + 1
    return deleted


class CompanionReads:
    """`features` and `documents` for a store that has `_has(table)` and `_read(sql, args)`
    (`?` marks): a log from before a table existed reads as empty."""

    def features(self, model_name: str, version: str, role: str, start: str, end: str
                 ) -> list[str]:
        if not self._has("decision_features"):  # type: ignore[attr-defined]
            return []
        return [r[0] for r in self._read(FEATURES_SQL,  # type: ignore[attr-defined]
                                         (model_name, version, role, start, end))]

    def documents(self, kind: str, model_name: str, start: str, end: str) -> list[str]:
        if not self._has("documents"):  # type: ignore[attr-defined]
            return []
        return [r[0] for r in self._read(DOCUMENTS_SQL,  # type: ignore[attr-defined]
                                         (kind, model_name, start, end))]
