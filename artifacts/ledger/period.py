"""What the log holds for one model over a reporting period, from the log's index, not a scan:
decisions per model version and role, the first and last record of the period (its chain head
at the period's end) and the log's head now.

The index `decisions_model_time (model_name, decided_at, model_version, role)` covers the
query (SQLite adds the `seq` rowid to every index; PostgreSQL INCLUDEs it), so a period of a
million decisions is counted without reading a record. A log opened read-only that predates the
index is summarised all the same, by a slower scan.

Bounds are `decided_at` strings (ISO 8601 UTC, microseconds, as the service writes them):
`start` inclusive, `end` exclusive; the caller turns a local period into them.
"""

from __future__ import annotations

from dataclasses import dataclass

INDEX = ("CREATE INDEX IF NOT EXISTS decisions_model_time ON decisions "
         "(model_name, decided_at, model_version, role)")
PG_INDEX = INDEX + " INCLUDE (seq)"


@dataclass(frozen=True)
class LogPoint:
    """One record of the chain, as a report cites it."""

    seq: int
    hash: str
    decided_at: str


@dataclass(frozen=True)
class VersionCount:
    model_version: str
    role: str  # champion | canary | shadow
    decisions: int
    first_seq: int
    last_seq: int


@dataclass(frozen=True)
class PeriodSummary:
    model_name: str
    start: str  # decided_at >= start
    end: str  # decided_at < end
    versions: list[VersionCount]
    first: LogPoint | None  # the period's first record
    last: LogPoint | None  # its last (its hash commits to every record before it)
    head: LogPoint | None  # the log's head now
    span: tuple[str, str] | None = None  # the model's first and last decided_at, ever

    @property
    def decisions(self) -> int:
        return sum(v.decisions for v in self.versions)


def counts_sql(mark: str) -> str:
    """The grouped count, with the driver's parameter mark (`?` or `%s`)."""
    return ("SELECT model_version, role, count(*) AS n, min(seq) AS first, max(seq) AS last "
            f"FROM decisions WHERE model_name = {mark} AND decided_at >= {mark} "
            f"AND decided_at < {mark} GROUP BY model_version, role "
            "ORDER BY model_version, role")


def span_sql(mark: str) -> str:
    return f"SELECT min(decided_at), max(decided_at) FROM decisions WHERE model_name = {mark}"


def point_sql(mark: str) -> str:
    return f"SELECT seq, hash, decided_at FROM decisions WHERE seq = {mark}"


HEAD_SQL = "SELECT seq, hash, decided_at FROM decisions ORDER BY seq DESC LIMIT 1"


def summarise(model_name: str, start: str, end: str, rows: list, point, head, span
               ) -> PeriodSummary:
    """The summary from the grouped rows (`model_version, role, n, first, last`), `point(seq)`
    (a record's `seq, hash, decided_at` or None), the head row and the span row."""
    versions = [VersionCount(str(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4]))
                for r in rows]
    first = min((v.first_seq for v in versions), default=None)
    last = max((v.last_seq for v in versions), default=None)
    return PeriodSummary(model_name, start, end, versions,
                         _point(point(first)) if first is not None else None,
                         _point(point(last)) if last is not None else None, _point(head),
                         (str(span[0]), str(span[1])) if span and span[0] is not None else None)


def _point(row) -> LogPoint | None:
    return None if row is None else LogPoint(int(row[0]), str(row[1]), str(row[2]))
