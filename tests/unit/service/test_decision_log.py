"""The hash chain and the SQLite store."""

from __future__ import annotations

import hashlib
import sqlite3

import orjson
import pytest
from decision_helpers import decision

from artifacts.errors import LedgerError
from artifacts.ledger import GENESIS, DecisionColumns, open_store, verify_chain
from artifacts.ledger.records import canonical, chain, link_hash


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "decisions.db"))
    yield s
    s.close()


def tamper(path, sql: str, *args) -> None:
    """What someone with write access to the file can do: drop the triggers, then edit."""
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER decisions_no_update")
    db.execute("DROP TRIGGER decisions_no_delete")
    db.execute(sql, args)
    db.commit()
    db.close()


def test_each_link_hashes_the_previous_one():
    linked = chain([decision(1), decision(2)], 0, GENESIS)
    assert [r.seq for r in linked] == [1, 2]
    assert linked[0].prev_hash == GENESIS and linked[1].prev_hash == linked[0].hash
    assert linked[1].hash == link_hash(2, decision(2), linked[0].hash)
    assert link_hash(2, decision(2, probability=0.5), linked[0].hash) != linked[1].hash


def test_the_canonical_form_is_sorted_key_json_of_every_field_but_the_hash():
    # Logs written by earlier versions must keep verifying: the bytes a link hashes are fixed.
    # A record without a caller hashes exactly as records did before callers were recorded.
    d = decision(7, application_id=None, reason_codes=("RC05",))
    fields = {k: v for k, v in d._asdict().items() if k != "caller"}
    expected = orjson.dumps({**fields, "seq": 9, "prev_hash": GENESIS},
                            option=orjson.OPT_SORT_KEYS)
    assert canonical(9, d, GENESIS) == expected
    assert link_hash(9, d, GENESIS) == hashlib.sha256(GENESIS.encode() + expected).hexdigest()


def test_a_caller_enters_the_canonical_form_only_when_set_and_is_covered_by_the_hash():
    d = decision(7, caller="jwt:loan-origination")
    expected = orjson.dumps({**d._asdict(), "seq": 9, "prev_hash": GENESIS},
                            option=orjson.OPT_SORT_KEYS)
    assert canonical(9, d, GENESIS) == expected
    assert b'"caller":"jwt:loan-origination"' in expected
    assert link_hash(9, d, GENESIS) != link_hash(9, d._replace(caller="jwt:someone-else"),
                                                 GENESIS)
    assert link_hash(9, d, GENESIS) != link_hash(9, d._replace(caller=None), GENESIS)


def test_decision_columns_survive_the_pipe_and_expand_to_the_same_rows():
    rows = [decision(1, application_id=None),
            decision(1, application_id="APP-2", probability=0.2, points=None, reason_codes=())]
    shared = rows[0][:7]
    columns = DecisionColumns(*shared, [None, "APP-2"], [r.features_sha256 for r in rows],
                              [r.probability for r in rows], [612.5, None], [["RC05", "RC01"], []])
    received = DecisionColumns(*orjson.loads(orjson.dumps(columns, default=tuple)))
    assert received.rows() == rows
    bare = DecisionColumns(*shared, ["A"], ["cd" * 32], [0.25])  # /predict: no points, reasons
    assert bare.rows() == [decision(1, application_id="A", probability=0.25, points=None,
                                    reason_codes=None)]
    with pytest.raises(ValueError):
        DecisionColumns(*shared, ["A"], [], [0.25]).rows()  # a column short: never misaligned


def test_appends_continue_one_chain_and_verify(store):
    store.append([decision(1), decision(2)])
    store.append([decision(3)])
    report = verify_chain(store)
    assert report.intact and report.records == 3
    assert report.head == list(store.records())[-1].hash
    assert [r.decision for r in store.records()] == [decision(1), decision(2), decision(3)]


def test_the_store_refuses_update_and_delete(store):
    store.append([decision(1)])
    for sql in ("UPDATE decisions SET probability = 0.9", "DELETE FROM decisions"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            store.db.execute(sql)


@pytest.mark.parametrize(("sql", "broken_at", "reason"), [
    ("UPDATE decisions SET probability = 0.99 WHERE seq = 3", 3, "altered"),
    ("UPDATE decisions SET reason_codes = '[\"RC01\"]' WHERE seq = 2", 2, "altered"),
    ("DELETE FROM decisions WHERE seq = 2", 2, "missing"),
    ("UPDATE decisions SET prev_hash = hash WHERE seq = 4", 4, "prev_hash"),
])
def test_verify_names_the_first_broken_link(tmp_path, store, sql, broken_at, reason):
    store.append([decision(i) for i in range(1, 6)])
    tamper(tmp_path / "decisions.db", sql)
    report = verify_chain(open_store(str(tmp_path / "decisions.db")))
    assert not report.intact
    assert report.broken_at == broken_at and reason in report.reason
    assert report.records == broken_at - 1


def test_a_rewritten_record_with_a_recomputed_hash_breaks_the_next_link(tmp_path, store):
    store.append([decision(i) for i in range(1, 4)])
    first = list(store.records())[1]
    forged = decision(2, probability=0.01)
    tamper(tmp_path / "decisions.db", "UPDATE decisions SET probability = ?, hash = ? WHERE seq = 2",
           0.01, link_hash(2, forged, first.prev_hash))
    report = verify_chain(open_store(str(tmp_path / "decisions.db")))
    assert report.broken_at == 3 and "prev_hash" in report.reason


def test_unsupported_urls_are_refused_with_the_scheme_named():
    with pytest.raises(LedgerError, match="mysql://"):
        open_store("mysql://ledger@db/seawall")


def test_an_unwritable_path_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(LedgerError, match="cannot open the decision log"):
        open_store(str(tmp_path / "file" / "decisions.db"))
