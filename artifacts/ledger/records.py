"""The ledger's records: decisions as the service hands them over, as they are stored, and the
canonical encoding each link of the hash chain covers.

Each record carries the hash of the record before it (`prev_hash`) and its own `hash`, the
SHA-256 of `prev_hash` and the record's canonical JSON (sorted keys, every field but `hash`).
Changing, deleting or reordering any record breaks the chain at that record (`verify.py`
names the first broken link). The bytes are fixed: logs written by earlier versions verify.
A field added later (`caller`, the authenticated client) enters the canonical JSON only when it
is set, so a record without it hashes as it always did.
"""

from __future__ import annotations

import hashlib
import operator
from itertools import repeat
from typing import NamedTuple

import orjson

GENESIS = "0" * 64
COLUMNS = ("seq", "request_id", "decided_at", "endpoint", "role", "model_name", "model_version",
           "bundle_digest", "application_id", "features_sha256", "probability", "points",
           "reason_codes", "caller", "prev_hash", "hash")


class Decision(NamedTuple):
    """One scored row, as the service hands it to the log (before it is chained).

    A named tuple rather than a frozen dataclass: one is built per scored row on the hot path.
    """

    request_id: str
    decided_at: str  # ISO 8601 UTC, microseconds
    endpoint: str  # predict | score | explain
    role: str  # champion | canary | shadow
    model_name: str
    model_version: str
    bundle_digest: str
    application_id: str | None
    features_sha256: str
    probability: float
    points: float | None = None
    reason_codes: tuple[str, ...] | None = None
    caller: str | None = None  # the authenticated client ("jwt:<sub>", "mtls:<subject DN>")


class DecisionColumns(NamedTuple):
    """One model's decisions for one request, column by column, as the serving process sends
    them to the writer: the fields every row shares once, then one list per field.

    Building a `Decision` per row in the serving process cost more than scoring a 1,000-row
    batch; the writer process expands the columns with `rows()` instead.
    """

    request_id: str
    decided_at: str
    endpoint: str
    role: str
    model_name: str
    model_version: str
    bundle_digest: str
    application_ids: list[str | None]
    features_sha256: list[str]
    probabilities: list[float]
    points: list[float] | None = None
    reason_codes: list[list[str]] | None = None
    caller: str | None = None
    # each row's values as received, when they are kept: the JSON text `features_sha256`
    # digests (or the values themselves, encoded here)
    features: list[str] | list[list] | None = None

    @classmethod
    def of(cls, decision: Decision) -> DecisionColumns:
        """A single decision as columns of one row."""
        d = decision
        return cls(*d[:7], [d.application_id], [d.features_sha256], [d.probability],
                   None if d.points is None else [d.points],
                   None if d.reason_codes is None else [list(d.reason_codes)], d.caller)

    def rows(self) -> list[Decision]:
        n = len(self.probabilities)
        points = repeat(None, n) if self.points is None else self.points
        reasons = repeat(None, n) if self.reason_codes is None else map(tuple, self.reason_codes)
        shared, caller, make = self[:7], self.caller, Decision._make
        return [make((*shared, a, h, p, s, r, caller)) for a, h, p, s, r in
                zip(self.application_ids, self.features_sha256, self.probabilities, points,
                    reasons, strict=True)]

    def feature_texts(self) -> list[str | None]:
        """Each row's values as the JSON its `features_sha256` digests (None: not kept)."""
        if self.features is None:
            return [None] * len(self.probabilities)
        if len(self.features) != len(self.probabilities):
            raise ValueError(f"{len(self.features)} rows of feature values for "
                             f"{len(self.probabilities)} decisions")
        return [v if isinstance(v, str) else orjson.dumps(v).decode() for v in self.features]


class LoggedDecision(NamedTuple):
    """A decision as stored: its place in the chain and the link hashes (a named tuple: the
    writer builds one per row)."""

    seq: int
    decision: Decision
    prev_hash: str
    hash: str


_FIELDS = (*Decision._fields, "seq", "prev_hash")
_V1_FIELDS = tuple(f for f in _FIELDS if f != "caller")  # the fields of logs before `caller`
_KEYS = tuple(sorted(_FIELDS))
_V1_KEYS = tuple(sorted(_V1_FIELDS))
_in_order = operator.itemgetter(*(_FIELDS.index(k) for k in _KEYS))
_in_v1_order = operator.itemgetter(*(_FIELDS.index(k) for k in _V1_KEYS))


def canonical(seq: int, decision: Decision, prev_hash: str) -> bytes:
    """The JSON a link hashes: every field but `hash`, keys sorted; `caller` only when set.
    The dict is built in sorted key order, which gives the bytes `orjson.OPT_SORT_KEYS` gives,
    at less cost per row."""
    values = (*decision, seq, prev_hash)
    if decision.caller is None:
        return orjson.dumps(dict(zip(_V1_KEYS, _in_v1_order(values))))
    return orjson.dumps(dict(zip(_KEYS, _in_order(values))))


def link_hash(seq: int, decision: Decision, prev_hash: str) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(seq, decision, prev_hash)).hexdigest()


def chain(decisions: list[Decision], last_seq: int, last_hash: str) -> list[LoggedDecision]:
    """Link `decisions` after the record (`last_seq`, `last_hash`)."""
    linked = []
    for seq, d in enumerate(decisions, start=last_seq + 1):
        h = link_hash(seq, d, last_hash)
        linked.append(LoggedDecision(seq, d, last_hash, h))
        last_hash = h
    return linked


def drop_logged(decisions: list[Decision], features: list[str | None] | None,
                logged: dict[str, list[LoggedDecision]]
                ) -> tuple[list[Decision], list[str | None] | None]:
    """`decisions` (and their kept values) without those of requests already `logged`: an
    idempotent retry is answered from the log, never logged twice."""
    if not logged:
        return decisions, features
    keep = [i for i, d in enumerate(decisions) if d.request_id not in logged]
    return ([decisions[i] for i in keep],
            None if features is None else [features[i] for i in keep])


def by_request(records: list[LoggedDecision]) -> dict[str, list[LoggedDecision]]:
    """Logged records grouped by request id, in log order."""
    found: dict[str, list[LoggedDecision]] = {}
    for r in records:
        found.setdefault(r.decision.request_id, []).append(r)
    return found


def features_sha256(values: list) -> str:
    """The digest of one row's feature values, in contract order, as received."""
    return hashlib.sha256(orjson.dumps(values)).hexdigest()


def row_decision(row: dict) -> LoggedDecision:
    """A stored row (column name -> value) back into a `LoggedDecision`."""
    reasons = row["reason_codes"]
    decision = Decision(
        request_id=row["request_id"], decided_at=row["decided_at"], endpoint=row["endpoint"],
        role=row["role"], model_name=row["model_name"], model_version=row["model_version"],
        bundle_digest=row["bundle_digest"], application_id=row["application_id"],
        features_sha256=row["features_sha256"], probability=row["probability"],
        points=row["points"],
        reason_codes=tuple(orjson.loads(reasons)) if reasons is not None else None,
        caller=row.get("caller"))
    return LoggedDecision(row["seq"], decision, row["prev_hash"], row["hash"])


def select_list(has_caller: bool) -> str:
    """The SELECT list of `COLUMNS`, for a log that may predate the `caller` column (opened
    read-only, it is not migrated)."""
    return ", ".join(c if c != "caller" or has_caller else "NULL AS caller" for c in COLUMNS)


def row_values(record: LoggedDecision) -> tuple:
    """A `LoggedDecision` as the tuple of `COLUMNS` the stores insert."""
    d = record.decision
    reasons = orjson.dumps(d.reason_codes).decode() if d.reason_codes is not None else None
    return (record.seq, d.request_id, d.decided_at, d.endpoint, d.role, d.model_name,
            d.model_version, d.bundle_digest, d.application_id, d.features_sha256,
            d.probability, d.points, reasons, d.caller, record.prev_hash, record.hash)
