"""What the log holds for one model over a reporting period, from the log's index, not a scan:
decisions per model version and role, the first and last record of the period (its chain head
at the period's end) and the log's head now.

The index `decisions_model_period (model_name, model_version, role, decided_at)` (SQLite adds
the `seq` rowid to every index; PostgreSQL INCLUDEs it) answers everything by seeks: the model's
versions and roles one `min()` seek each, then per version and role one range of the index for
the period, counted without reading a record and without sorting. The work grows with the
period's decisions, not with the log. A log opened read-only that predates the index is
summarised all the same, by slower scans.

Bounds are `decided_at` strings (ISO 8601 UTC, microseconds, as the service writes them):
`start` inclusive, `end` exclusive; the caller turns a local period into them.
"""

from __future__ import annotations

from dataclasses import dataclass

INDEX = ("CREATE INDEX IF NOT EXISTS decisions_model_period ON decisions "
         "(model_name, model_version, role, decided_at)")
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


def grouped_rows(one, model_name: str, start: str, end: str) -> tuple[list, tuple | None]:
    """(rows of `model_version, role, n, first, last` with n > 0, the model's span), by index
    seeks; `one(sql, args)` runs a query (`?` marks) and returns its first row."""
    rows, times = [], []
    version = ""
    while (version := _next(one, "model_version", "model_name = ?", (model_name,),
                            version)) is not None:
        role = ""
        while (role := _next(one, "role", "model_name = ? AND model_version = ?",
                             (model_name, version), role)) is not None:
            key = (model_name, version, role)
            n, first, last = one("SELECT count(*), min(seq), max(seq) FROM decisions WHERE "
                                 "model_name = ? AND model_version = ? AND role = ? AND "
                                 "decided_at >= ? AND decided_at < ?", (*key, start, end))
            if n:
                rows.append((version, role, n, first, last))
            for edge in ("min", "max"):  # one aggregate per query: SQLite then seeks
                times += one(f"SELECT {edge}(decided_at) FROM decisions WHERE "
                             "model_name = ? AND model_version = ? AND role = ?", key)
    return rows, ((min(times), max(times)) if times else None)


def _next(one, column: str, where: str, args: tuple, after: str) -> str | None:
    """The smallest value of `column` greater than `after` (one index seek)."""
    return one(f"SELECT min({column}) FROM decisions WHERE {where} AND {column} > ?",
               (*args, after))[0]


def point_sql(mark: str) -> str:
    return f"SELECT seq, hash, decided_at FROM decisions WHERE seq = {mark}"


HEAD_SQL = "SELECT seq, hash, decided_at FROM decisions ORDER BY seq DESC LIMIT 1"
# one model version and role over [start, end): a range of the period index, in its order
SCORES_SQL = ("SELECT decided_at, probability, application_id FROM decisions WHERE "
              "model_name = ? AND "
              "model_version = ? AND role = ? AND decided_at >= ? AND decided_at < ? "
              "ORDER BY decided_at")


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

# the application ids a model has decided on (outcomes are matched against them)
IDS_SQL = "SELECT DISTINCT application_id FROM decisions WHERE model_name = ?"
