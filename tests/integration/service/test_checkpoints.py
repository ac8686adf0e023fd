"""The service signs checkpoints of its decision log on its own and serves the latest at
`/checkpoint`: with a local key and with a key inside a real SoftHSM2 token; never over a
broken chain; and an auditor's copy proves later that the log still extends it."""

from __future__ import annotations

import sqlite3
import time

import pytest
from cryptography.hazmat.primitives import serialization
from fastapi.testclient import TestClient
from service_helpers import service_settings

from artifacts.ledger import Decision, open_checkpoint, open_store, origin_of, verify_chain
from artifacts.signing import ensure_local_key, pkcs11_public_pem
from artifacts.signing.keys import PIN_ENV
from service import ServiceSettings, create_app
from service.checkpointer import Checkpointer


def settings(serving, tmp_path, key: str | None) -> ServiceSettings:
    return service_settings(serving, tmp_path, checkpoint_key=key, checkpoint_interval=0.1,
                            checkpoint_dir=tmp_path / "checkpoints" if key else None)


def public_key(pem: bytes):
    return serialization.load_pem_public_key(pem)


def wait_for_size(client: TestClient, key, size: int):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        response = client.get("/checkpoint")
        if response.status_code == 200:
            checkpoint = open_checkpoint(response.text, key)
            if checkpoint.size == size:
                return checkpoint
        time.sleep(0.05)
    raise AssertionError(f"no checkpoint of {size} decisions within 20 s: {response.text}")


def test_the_service_signs_and_serves_checkpoints_an_auditor_can_hold_it_to(serving, tmp_path):
    local = ensure_local_key(tmp_path / "checkpoint-key")
    key = public_key(local.public.read_bytes())
    with TestClient(create_app(settings(serving, tmp_path, str(local.private)))) as c:
        assert c.post("/predict", json={"rows": serving.rows(3)}).status_code == 200
        first = wait_for_size(c, key, 3)
        assert first.origin == origin_of("onshore-hn")
        kept = c.get("/checkpoint").text  # the auditor's copy
        assert c.post("/score", json={"rows": serving.rows(4)}).status_code == 200
        wait_for_size(c, key, 7)
        assert c.get("/checkpoint").headers["content-type"] == "text/plain; charset=utf-8"
        metrics = c.get("/metrics").text
        assert "seawall_checkpoint_tree_size 7.0" in metrics
    store = open_store(str(tmp_path / "decisions.db"), read_only=True)
    report = verify_chain(store, checkpoint=open_checkpoint(kept, key))
    assert report.intact and "of 3 records" in report.consistent_with
    assert bytes.fromhex(verify_chain(store).root) == open_checkpoint(
        (tmp_path / "checkpoints/7.note").read_text(), key).root
    assert sorted(p.name for p in (tmp_path / "checkpoints").glob("*.note")) == [
        "0.note", "3.note", "7.note", "latest.note"]  # 0: signed at start-up


def decision(i: int) -> Decision:
    return Decision(f"req-{i}", "2026-12-02T09:00:00.000001+00:00", "predict", "champion",
                    "m", "1", "ab" * 32, f"APP-{i}", "cd" * 32, 0.1)


def tamper(db_path, seq: int) -> None:
    db = sqlite3.connect(db_path)
    db.execute("DROP TRIGGER IF EXISTS decisions_no_update")
    db.execute("UPDATE decisions SET probability = 0.5 WHERE seq = ?", (seq,))
    db.commit()
    db.close()


def test_a_broken_chain_is_never_signed_over(tmp_path, caplog):
    local = ensure_local_key(tmp_path / "checkpoint-key")
    log = tmp_path / "decisions.db"
    open_store(str(log)).append([decision(i) for i in range(3)])
    tamper(log, 2)  # before the checkpointer has read it
    checkpointer = Checkpointer(decision_log=str(log), region="onshore-hn",
                                key=str(local.private), directory=tmp_path / "cp", interval=1)
    assert checkpointer.sign_now() is None
    assert "broken at record 2" in checkpointer.problem
    assert checkpointer.latest() is None and not list((tmp_path / "cp").glob("*.note"))
    assert any("checkpoints stopped" in r.getMessage() for r in caplog.records)


def test_a_record_altered_after_it_was_signed_breaks_the_kept_checkpoint(serving, tmp_path):
    # The checkpointer reads each record once; what changes later is the kept checkpoint's job.
    local = ensure_local_key(tmp_path / "checkpoint-key")
    key = public_key(local.public.read_bytes())
    with TestClient(create_app(settings(serving, tmp_path, str(local.private)))) as c:
        c.post("/predict", json={"rows": serving.rows(2)})
        kept = open_checkpoint(wait_for_size(c, key, 2) and c.get("/checkpoint").text, key)
        tamper(tmp_path / "decisions.db", 2)
    report = verify_chain(open_store(str(tmp_path / "decisions.db"), read_only=True),
                          checkpoint=kept)
    assert not report.intact and report.broken_at == 2


def test_checkpoints_signed_by_a_key_inside_an_hsm(serving, tmp_path, softhsm, monkeypatch):
    monkeypatch.setenv(PIN_ENV, softhsm.pin)
    key = public_key(pkcs11_public_pem(softhsm.uri))
    with TestClient(create_app(settings(serving, tmp_path, softhsm.uri))) as c:
        c.post("/predict", json={"rows": serving.rows(5)})
        assert wait_for_size(c, key, 5).origin == origin_of("onshore-hn")
    other = public_key(ensure_local_key(tmp_path / "other").public.read_bytes())
    with pytest.raises(Exception, match="no signature by the region's checkpoint key"):
        open_checkpoint((tmp_path / "checkpoints/latest.note").read_text(), other)


def test_an_unusable_checkpoint_key_keeps_the_service_unready(serving, tmp_path, softhsm,
                                                             monkeypatch):
    monkeypatch.delenv(PIN_ENV, raising=False)
    missing = tmp_path / "nope.pem"
    with TestClient(create_app(settings(serving, tmp_path, str(missing)))) as c:
        ready = c.get("/ready")
        assert ready.status_code == 503
        assert any("checkpoints:" in r and "nope.pem" in r for r in ready.json()["reasons"])
    with TestClient(create_app(settings(serving, tmp_path, softhsm.uri))) as c:
        reasons = c.get("/ready").json()["reasons"]
        assert any("checkpoints:" in r and "signing needs the token's PIN" in r
                   and softhsm.pin not in r for r in reasons)


def test_without_a_checkpoint_key_the_endpoint_says_so(serving, tmp_path):
    with TestClient(create_app(settings(serving, tmp_path, None))) as c:
        response = c.get("/checkpoint")
        assert response.status_code == 404 and "--checkpoint-key" in response.json()["reasons"][0]
