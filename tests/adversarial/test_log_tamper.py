"""The log-tamper corpus: what someone with the database's owner rights can do to a decision
log, and the check that refuses each. The chain catches a record altered, removed or
reordered in place; a checkpoint kept by the auditor catches what the chain alone cannot:
the newest records removed, and a record rewritten with every later hash recomputed; the
service's last checkpoint, with `--attested`, catches rows appended after it; and a log that
was dropped, emptied, replaced or holds nothing is never reported as an intact chain."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from artifacts.documents import DocumentError
from artifacts.errors import LedgerError
from artifacts.ledger import (
    Checkpoint,
    Decision,
    InclusionProof,
    check_proof,
    open_store,
    origin_of,
    prove,
    sign_checkpoint,
)
from artifacts.ledger.merkle import leaf_hash
from artifacts.ledger.merkle import root as merkle_root
from artifacts.ledger.records import chain

SEAWALL = [sys.executable, "-m", "seawall"]


def seawall(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*SEAWALL, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "250"})


def decision(i: int, **changes) -> Decision:
    d = Decision(request_id=f"r{i}", decided_at="2026-12-01T00:00:00+00:00", endpoint="score",
                 role="champion", model_name="m", model_version="1", bundle_digest="0" * 64,
                 application_id=f"APP-{i}", features_sha256="1" * 64, probability=i / 100,
                 points=600.0 - i, reason_codes=("RC01",))
    return d._replace(**changes)


@pytest.fixture
def kept(tmp_path):
    """A log of 8 decisions, a checkpoint of it, then 4 more decisions."""
    log = tmp_path / "h" / "regions" / "onshore-hn" / "decisions.db"
    store = open_store(str(log))
    store.append([decision(i) for i in range(8)])
    out = seawall("decisions", "checkpoint", "--home", "h", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    store.append([decision(i) for i in range(8, 12)])
    store.close()
    return tmp_path, log, tmp_path / "h" / "regions" / "onshore-hn" / "checkpoints" / "8.note"


def audit(root: Path, note: Path) -> subprocess.CompletedProcess:
    return seawall("decisions", "verify", "--home", "h", "--checkpoint", str(note), cwd=root)


def owner(log: Path) -> sqlite3.Connection:
    """The database as its owner sees it: the append-only triggers dropped."""
    db = sqlite3.connect(log)
    db.execute("DROP TRIGGER decisions_no_update")
    db.execute("DROP TRIGGER decisions_no_delete")
    return db


def test_an_untouched_log_extends_its_checkpoint(kept):
    root, _, note = kept
    out = audit(root, note)
    assert out.returncode == 0 and "12 decisions, chain intact" in out.stdout
    assert "consistent with the checkpoint seawall.decisions/onshore-hn of 8 records" in out.stdout


def test_truncating_below_the_checkpoint_is_caught(kept):
    root, log, note = kept
    with owner(log) as db:
        db.execute("DELETE FROM decisions WHERE seq > 5")
    out = audit(root, note)
    assert out.returncode == 1
    assert "holds 5 records, fewer than the 8" in out.stdout and "removed" in out.stdout


def test_rewriting_a_record_and_rehashing_everything_after_it_is_caught(kept):
    root, log, note = kept
    store = open_store(str(log))
    records = list(store.records())
    store.close()
    forged = [r.decision for r in records]
    forged[2] = forged[2]._replace(probability=0.99)  # the decision someone wants to change
    rechained = chain(forged[2:], records[1].seq, records[1].hash)
    with owner(log) as db:
        db.execute("DELETE FROM decisions WHERE seq >= 3")
        db.executemany("INSERT INTO decisions (seq, request_id, decided_at, endpoint, role, "
                       "model_name, model_version, bundle_digest, application_id, "
                       "features_sha256, probability, points, reason_codes, prev_hash, hash) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [(r.seq, *r.decision[:10], r.decision.points, '["RC01"]', r.prev_hash,
                         r.hash) for r in rechained])
    plain = seawall("decisions", "verify", "--home", "h", cwd=root)
    assert plain.returncode == 0  # the chain alone is fooled: this is why checkpoints exist
    out = audit(root, note)
    assert out.returncode == 1 and "records were rewritten" in out.stdout


@pytest.mark.parametrize("damage", ["edit the size", "edit the root", "other key"])
def test_a_checkpoint_that_was_altered_or_signed_by_another_key_is_refused(kept, damage):
    root, _, note = kept
    text = note.read_text()
    if damage == "edit the size":
        text = text.replace("\n8\n", "\n7\n", 1)
    elif damage == "edit the root":
        origin, size, head, *rest = text.split("\n")
        text = "\n".join([origin, size, ("A" if head[0] != "A" else "B") + head[1:], *rest])
    else:
        other = seawall("decisions", "checkpoint", "--home", "other", "--decision-log",
                        str(root / "h" / "regions" / "onshore-hn" / "decisions.db"),
                        "--out", str(root / "other.note"), cwd=root)
        assert other.returncode == 0, other.stderr
        text = (root / "other.note").read_text()
    note.write_text(text)
    out = audit(root, note)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert ("does not verify" in out.stderr or "no signature by the region's checkpoint key"
            in out.stderr), out.stderr


def test_an_inclusion_proof_checks_offline_and_any_change_to_it_fails(kept):
    root, log, note = kept
    out = seawall("decisions", "prove", "r3", "--home", "h", "--checkpoint", str(note),
                  "--out", "r3.proof", cwd=root)
    assert out.returncode == 0, out.stderr
    public = root / "h" / "regions" / "onshore-hn" / "checkpoint" / "keys" / "signing-key.pub"
    shutil.copy(public, root / "auditor.pub")
    log.unlink()  # offline: the auditor has the proof and the key, not the log
    ok = seawall("decisions", "check-proof", "r3.proof", "--public-key", "auditor.pub", cwd=root)
    assert ok.returncode == 0 and "1 decisions of request r3 are in" in ok.stdout
    doc = json.loads((root / "r3.proof").read_text())
    changes = {
        "probability": lambda d: d["records"][0]["decision"].update(probability=0.9),
        "seq": lambda d: d["records"][0].update(seq=d["records"][0]["seq"] + 1),
        "path": lambda d: d["records"][0]["proof"].reverse(),
        "request": lambda d: d.update(request_id="r4"),
        "checkpoint": lambda d: d.update(checkpoint=d["checkpoint"].replace("\n8\n", "\n9\n")),
    }
    for name, change in changes.items():
        bad = json.loads(json.dumps(doc))
        change(bad)
        (root / "bad.proof").write_text(json.dumps(bad))
        out = seawall("decisions", "check-proof", "bad.proof", "--public-key", "auditor.pub",
                      cwd=root)
        assert out.returncode == 1 and out.stderr.startswith("error: bad.proof"), (name, out)
        assert "Traceback" not in out.stderr


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_a_mutated_proof_document_is_refused_never_a_crash(tmp_path_factory, data):
    """Any field of a real proof replaced by arbitrary JSON: refused with a named reason."""
    root = tmp_path_factory.mktemp("proof")
    store = open_store(str(root / "d.db"))
    store.append([decision(i) for i in range(5)])
    records = list(store.records())
    key = ec.generate_private_key(ec.SECP256R1())
    leaves = [leaf_hash(bytes.fromhex(r.hash)) for r in records]
    cp = Checkpoint(origin_of("onshore-hn"), 5, merkle_root(leaves))
    doc = prove("r2", records, sign_checkpoint(cp, key), cp).to_json()
    target = data.draw(st.sampled_from(["request_id", "checkpoint", "records", "record",
                                        "decision", "proof"]))
    value = data.draw(st.recursive(st.none() | st.integers() | st.text(max_size=20)
                                   | st.booleans(), lambda v: st.lists(v, max_size=3)
                                   | st.dictionaries(st.text(max_size=5), v, max_size=3),
                                   max_leaves=8))
    if target in ("request_id", "checkpoint", "records"):
        doc[target] = value
    elif target == "record":
        doc["records"][0][data.draw(st.sampled_from(["seq", "prev_hash", "hash"]))] = value
    elif target == "decision":
        doc["records"][0]["decision"][data.draw(st.sampled_from(sorted(
            doc["records"][0]["decision"])))] = value
    else:
        doc["records"][0]["proof"] = value
    try:
        check_proof(InclusionProof.from_json(doc), key.public_key())
    except (LedgerError, DocumentError):
        pass  # refused, with a reason: what must happen (unless the value changed nothing)


def test_a_row_forged_onto_the_end_after_the_services_last_checkpoint_is_caught(kept):
    root, log, _ = kept
    final = seawall("decisions", "checkpoint", "--home", "h", cwd=root)  # as at shutdown: 12
    assert final.returncode == 0, final.stderr
    note = root / "h" / "regions" / "onshore-hn" / "checkpoints" / "12.note"
    store = open_store(str(log))
    store.append([decision(99, probability=0.01)])  # chained correctly, by the database's owner
    store.close()
    lenient = audit(root, note)
    assert lenient.returncode == 0
    assert "1 records after it are not covered by a signature yet" in lenient.stdout
    strict = seawall("decisions", "verify", "--home", "h", "--checkpoint", str(note),
                     "--attested", cwd=root)
    assert strict.returncode == 1 and "broken at record 13" in strict.stdout
    assert "appended without the service" in strict.stdout


def audit_file(log: Path, *extra: str) -> subprocess.CompletedProcess:
    return seawall("decisions", "verify", "--decision-log", str(log), *extra, cwd=log.parent)


@pytest.fixture
def handed_over(tmp_path) -> Path:
    """A log of three decisions as a copy handed to an auditor: one file, rollback journal."""
    path = tmp_path / "decisions.db"
    store = open_store(str(path))
    store.append([decision(i) for i in range(3)])
    store.close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=DELETE")
    db.close()
    return path


@pytest.mark.parametrize("damage", ["drop the table", "empty the file", "replace the file"])
def test_a_dropped_emptied_or_replaced_log_is_not_an_intact_chain(handed_over, damage):
    log = handed_over
    if damage == "drop the table":
        db = sqlite3.connect(log)
        db.execute("DROP TABLE decisions")
        db.commit()
        db.close()
    elif damage == "empty the file":
        log.write_bytes(b"")
    else:
        log.write_bytes(b"not a database at all")
    out = audit_file(log)
    assert out.returncode == 1 and "intact" not in out.stdout
    assert "not a readable decision log" in out.stderr and "Traceback" not in out.stderr


def test_an_empty_log_fails_unless_it_is_expected(tmp_path):
    path = tmp_path / "decisions.db"
    open_store(str(path)).close()  # the schema, no decisions
    out = audit_file(path)
    assert out.returncode == 1 and "holds no decisions" in out.stderr
    assert "--expect-empty" in out.stderr
    expected = audit_file(path, "--expect-empty")
    assert expected.returncode == 0 and "0 decisions, chain intact" in expected.stdout


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_audit_opens_the_log_read_only_and_changes_nothing(handed_over):
    log = handed_over
    before = digest(log), sorted(p.name for p in log.parent.iterdir())
    out = audit_file(log)
    assert out.returncode == 0 and "3 decisions, chain intact" in out.stdout
    assert (digest(log), sorted(p.name for p in log.parent.iterdir())) == before
    mode = sqlite3.connect(log).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "delete"  # not switched to WAL by the audit


def test_a_missing_log_is_named(tmp_path):
    out = audit_file(tmp_path / "nowhere.db")
    assert out.returncode == 1 and "no decision log there" in out.stderr
