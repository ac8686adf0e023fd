"""The promotion ledger (issue 18 item 4): every state transition of every version, with the
approvals that allowed it, append-only and hash-chained like the decision log, in the region's
governance store (`<home>/regions/<region>/governance.db`, SQLite; beside the inventory).

It is the record the registry's aliases are checked against: a version's state is its last
transition's target, the canary step goes with it, and the approvals' nonces are remembered so
a statement is never used twice. `verify()` names the first record that no longer fits its
chain (changed, removed or reordered), as `seawall decisions verify` does for decisions.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

import orjson

from artifacts.errors import LedgerError
from artifacts.registry.promotion import State

GENESIS = "0" * 64
_SCHEMA = """
CREATE TABLE IF NOT EXISTS transitions (
    seq INTEGER PRIMARY KEY, model_name TEXT NOT NULL, version TEXT NOT NULL,
    region TEXT NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL, step INTEGER,
    ticket TEXT NOT NULL, approvals TEXT NOT NULL, decided_at TEXT NOT NULL,
    prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS transitions_version ON transitions (model_name, version, seq);
CREATE TRIGGER IF NOT EXISTS transitions_no_update BEFORE UPDATE ON transitions
    BEGIN SELECT RAISE(ABORT, 'the promotion ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS transitions_no_delete BEFORE DELETE ON transitions
    BEGIN SELECT RAISE(ABORT, 'the promotion ledger is append-only'); END;
"""
_FIELDS = ("model_name", "version", "region", "from_state", "to_state", "step", "ticket",
           "approvals", "decided_at")


@dataclass(frozen=True, kw_only=True)
class Transition:
    model_name: str
    version: str
    region: str
    from_state: str
    to_state: str
    step: int | None  # the canary step after the move (index into CANARY_STEPS)
    ticket: str
    approvals: list[dict]  # signer, fingerprint, role, nonce, statement_sha256 of each
    decided_at: str


def link(seq: int, t: Transition, prev_hash: str) -> str:
    body = orjson.dumps({**asdict(t), "seq": seq, "prev_hash": prev_hash},
                        option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


class TransitionLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as e:
            raise LedgerError(f"{path}: cannot open the promotion ledger ({e})") from e

    def append(self, t: Transition) -> int:
        """Chain and commit one transition; its sequence number."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                head = self.db.execute("SELECT seq, hash FROM transitions ORDER BY seq DESC "
                                       "LIMIT 1").fetchone() or (0, GENESIS)
                seq = head[0] + 1
                row = (*(getattr(t, f) for f in _FIELDS[:7]),
                       orjson.dumps(t.approvals).decode(), t.decided_at)
                self.db.execute(f"INSERT INTO transitions (seq, {', '.join(_FIELDS)}, "
                                "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                (seq, *row, head[1], link(seq, t, head[1])))
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.Error as e:
            raise LedgerError(f"{self.path}: cannot record the transition ({e})") from e
        return seq

    def history(self, model_name: str, version: str | None = None) -> list[Transition]:
        sql = f"SELECT {', '.join(_FIELDS)} FROM transitions WHERE model_name = ?"
        args: tuple = (model_name,)
        if version is not None:
            sql, args = sql + " AND version = ?", (*args, version)
        return [_transition(r) for r in self.db.execute(sql + " ORDER BY seq", args)]

    def state_of(self, model_name: str, version: str) -> tuple[State, int | None]:
        """The version's state and canary step: its last transition's (candidate if none)."""
        found = self.history(model_name, version)
        return (State(found[-1].to_state), found[-1].step) if found else (State.CANDIDATE, None)

    def used_nonces(self) -> set[str]:
        return {a["nonce"] for (text,) in self.db.execute("SELECT approvals FROM transitions")
                for a in orjson.loads(text)}

    def verify(self) -> int | None:
        """The first record whose content, predecessor or place no longer fits, or None."""
        prev, expected = GENESIS, 1
        for row in self.db.execute(f"SELECT seq, {', '.join(_FIELDS)}, prev_hash, hash FROM "
                                   "transitions ORDER BY seq"):
            seq, t = row[0], _transition(row[1:10])
            if seq != expected or row[10] != prev or link(seq, t, prev) != row[11]:
                return seq
            prev, expected = row[11], seq + 1
        return None

    def close(self) -> None:
        self.db.close()


def _transition(row) -> Transition:
    values = dict(zip(_FIELDS, row, strict=True))
    return Transition(**{**values, "approvals": orjson.loads(values["approvals"])})
