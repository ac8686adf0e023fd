"""The promotion ledger: states and canary steps read back, nonces remembered, append-only, and
a record changed behind the triggers' back named by `verify`; the registries move aliases."""

from __future__ import annotations

import sqlite3

import pytest

from artifacts.errors import RegistryError
from artifacts.registry import InMemoryRegistry
from artifacts.registry.promotion import State
from artifacts.registry.transitions import Transition, TransitionLog


def move(version: str, source: State, target: State, step=None, nonce="n1") -> Transition:
    return Transition(model_name="uci", version=version, region="onshore-hn",
                      from_state=source, to_state=target, step=step, ticket="CHG-1", reason="r",
                      approvals=[{"signer": "victor", "role": "validator", "nonce": nonce}],
                      decided_at="2026-12-02T09:00:00+00:00")


def test_states_steps_and_nonces_read_back_and_verify(tmp_path):
    log = TransitionLog(tmp_path / "governance.db")
    assert log.state_of("uci", "3") == (State.CANDIDATE, None)
    log.append(move("3", State.CANDIDATE, State.PENDING_VALIDATION, nonce="a"))
    log.append(move("3", State.PENDING_VALIDATION, State.VALIDATED, nonce="b"))
    log.append(move("3", State.VALIDATED, State.CANARY, step=0, nonce="c"))
    log.append(move("4", State.CANDIDATE, State.PENDING_VALIDATION, nonce="d"))
    assert log.state_of("uci", "3") == (State.CANARY, 0)
    assert log.state_of("uci", "4") == (State.PENDING_VALIDATION, None)
    assert log.used_nonces() == {"a", "b", "c", "d"}
    assert [t.to_state for _, _, t in log.history("uci", "3")] == [
        "pending-validation", "validated", "canary"]
    assert log.verify() is None


def test_the_ledger_is_append_only_and_a_change_behind_its_back_is_named(tmp_path):
    path = tmp_path / "governance.db"
    log = TransitionLog(path)
    for i in range(3):
        log.append(move(str(i), State.CANDIDATE, State.PENDING_VALIDATION, nonce=str(i)))
    with sqlite3.connect(path) as db:
        for sql in ("UPDATE transitions SET ticket = 'x'", "DELETE FROM transitions"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(sql)
        db.execute("DROP TRIGGER transitions_no_update")
        db.execute("UPDATE transitions SET to_state = 'production' WHERE seq = 2")
    assert TransitionLog(path).verify() == 2


def test_the_in_memory_registry_moves_and_drops_aliases():
    registry = InMemoryRegistry()
    with registry.imported_version(experiment="e", model_name="uci", bundle_dir=None,
                                   documents={}, tags={}) as made:
        pass
    registry.move_alias("uci", "staging", made.version)
    assert registry.aliases("uci") == {"pending-validation": "1", "staging": "1"}
    registry.drop_alias("uci", "pending-validation")
    registry.drop_alias("uci", "never-set")
    assert registry.aliases("uci") == {"staging": "1"}
    with pytest.raises(RegistryError, match="no version 9"):
        registry.move_alias("uci", "production", "9")
