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
    ticket TEXT NOT NULL, reason TEXT NOT NULL, approvals TEXT NOT NULL, evidence TEXT,
    decided_at TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS transitions_version ON transitions (model_name, version, seq);
CREATE TRIGGER IF NOT EXISTS transitions_no_update BEFORE UPDATE ON transitions
    BEGIN SELECT RAISE(ABORT, 'the promotion ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS transitions_no_delete BEFORE DELETE ON transitions
    BEGIN SELECT RAISE(ABORT, 'the promotion ledger is append-only'); END;
CREATE TABLE IF NOT EXISTS refusals (
    id INTEGER PRIMARY KEY, model_name TEXT NOT NULL, version TEXT NOT NULL,
    to_state TEXT NOT NULL, reason TEXT NOT NULL, refused_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS step_verdicts (
    id INTEGER PRIMARY KEY, model_name TEXT NOT NULL, version TEXT NOT NULL, step INTEGER NOT NULL,
    passed INTEGER NOT NULL, detail TEXT NOT NULL, judged_at TEXT NOT NULL);
"""
_FIELDS = ("model_name", "version", "region", "from_state", "to_state", "step", "ticket",
           "reason", "approvals", "evidence", "decided_at")


@dataclass(frozen=True, kw_only=True)
class Transition:
    model_name: str
    version: str
    region: str
    from_state: str
    to_state: str
    step: int | None  # the canary step after the move (index into CANARY_STEPS)
    ticket: str
    reason: str
    approvals: list[dict]  # signer, fingerprint, role, nonce, statement_sha256 of each
    decided_at: str
    evidence: dict | None = None  # e.g. the champion-challenger comparison, from shadow


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
                row = (*(getattr(t, f) for f in _FIELDS[:8]),
                       orjson.dumps(t.approvals).decode(),
                       None if t.evidence is None else orjson.dumps(t.evidence).decode(),
                       t.decided_at)
                self.db.execute(f"INSERT INTO transitions (seq, {', '.join(_FIELDS)}, "
                                "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                "?)",
                                (seq, *row, head[1], link(seq, t, head[1])))
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.Error as e:
            raise LedgerError(f"{self.path}: cannot record the transition ({e})") from e
        return seq

    def history(self, model_name: str, version: str | None = None
                ) -> list[tuple[int, str, Transition]]:
        """(seq, hash, transition) of every move of the model (or of one version), in order."""
        sql = f"SELECT seq, hash, {', '.join(_FIELDS)} FROM transitions WHERE model_name = ?"
        args: tuple = (model_name,)
        if version is not None:
            sql, args = sql + " AND version = ?", (*args, version)
        return [(r[0], r[1], _transition(r[2:]))
                for r in self.db.execute(sql + " ORDER BY seq", args)]

    def refuse(self, model_name: str, version: str, to_state: str, reason: str, at: str
               ) -> None:
        """Keep a refused promotion's reason (what an auditor reads as an incident)."""
        with self.db:
            self.db.execute("INSERT INTO refusals (model_name, version, to_state, reason, "
                            "refused_at) VALUES (?, ?, ?, ?, ?)",
                            (model_name, version, to_state, reason, at))

    def refusals(self, model_name: str) -> list[tuple[str, str, str, str]]:
        """(refused_at, version, to_state, reason) of each refused promotion, oldest first."""
        return self.db.execute("SELECT refused_at, version, to_state, reason FROM refusals "
                               "WHERE model_name = ? ORDER BY id", (model_name,)).fetchall()

    def judge(self, model_name: str, version: str, step: int, passed: bool, detail: str,
              at: str) -> None:
        """The serving region's verdict on a canary step's metric gate."""
        with self.db:
            self.db.execute("INSERT INTO step_verdicts (model_name, version, step, passed, "
                            "detail, judged_at) VALUES (?, ?, ?, ?, ?, ?)",
                            (model_name, version, step, int(passed), detail, at))

    def verdict(self, model_name: str, version: str, step: int
                ) -> tuple[bool, str, str] | None:
        """(passed, detail, judged_at) of the latest verdict on this step, or None."""
        row = self.db.execute("SELECT passed, detail, judged_at FROM step_verdicts WHERE "
                              "model_name = ? AND version = ? AND step = ? ORDER BY id DESC "
                              "LIMIT 1", (model_name, version, step)).fetchone()
        return None if row is None else (bool(row[0]), row[1], row[2])

    def state_of(self, model_name: str, version: str) -> tuple[State, int | None]:
        """The version's state and canary step: its last transition's (candidate if none)."""
        row = self.db.execute("SELECT to_state, step FROM transitions WHERE model_name = ? AND "
                              "version = ? ORDER BY seq DESC LIMIT 1",
                              (model_name, version)).fetchone()
        return (State(row[0]), row[1]) if row else (State.CANDIDATE, None)

    def used_nonces(self) -> set[str]:
        return {a["nonce"] for (text,) in self.db.execute("SELECT approvals FROM transitions")
                for a in orjson.loads(text)}

    def verify(self) -> int | None:
        """The first record whose content, predecessor or place no longer fits, or None."""
        prev, expected = GENESIS, 1
        for row in self.db.execute(f"SELECT seq, {', '.join(_FIELDS)}, prev_hash, hash FROM "
                                   "transitions ORDER BY seq"):
            seq, t = row[0], _transition(row[1:12])
            if seq != expected or row[12] != prev or link(seq, t, prev) != row[13]:
                return seq
            prev, expected = row[13], seq + 1
        return None

    def close(self) -> None:
        self.db.close()


def _transition(row) -> Transition:
    values = dict(zip(_FIELDS, row, strict=True))
    evidence = values["evidence"]
    return Transition(**{**values, "approvals": orjson.loads(values["approvals"]),
                         "evidence": None if evidence is None else orjson.loads(evidence)})
