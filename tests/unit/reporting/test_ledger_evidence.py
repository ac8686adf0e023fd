"""The evidence pack's promotion-ledger piece: the inventory row, every transition with its
approvals and the refusals; a region without a ledger is a gap naming the commands; a ledger
changed behind its chain's back is failed evidence naming the record."""

from __future__ import annotations

import json
import sqlite3

from artifacts.registry.governance import governance
from artifacts.registry.inventory import InventoryRow
from artifacts.registry.transitions import Transition
from reporting import evidence_sources as sources

REGION = "onshore-hn"


def ledger(home, moves: int = 2) -> None:
    with governance(home, REGION) as gov:
        gov.inventory.put(InventoryRow(model_name="m", region=REGION, purpose="PD",
                                       business_owner="retail", model_owner="o", developer="d",
                                       tier="medium", tier_rationale="declared",
                                       status="approved"))
        for i, (a, b) in enumerate([("candidate", "pending-validation"),
                                    ("pending-validation", "validated")][:moves]):
            gov.log.append(Transition(
                model_name="m", version="1", region=REGION, from_state=a, to_state=b, step=None,
                ticket="CHG-1", reason="", decided_at="2026-12-03T00:00:00+00:00",
                approvals=[{"signer": "victor", "role": "validator", "nonce": str(i)}]))
        gov.log.refuse("m", "1", "production", "skipped state", "2026-12-03T00:00:01+00:00")


def test_the_ledger_is_evidence_of_the_change_log_and_tiering(tmp_path):
    ledger(tmp_path)
    piece = sources.promotion_ledger(tmp_path, REGION, "m")
    assert piece.status == "present" and {"change-log", "tiering"} <= set(piece.supports)
    assert piece.facts == {"transitions": 2, "approvals": 2, "refusals": 1, "tier": "medium",
                           "status": "approved"}
    doc = json.loads(piece.data)
    assert [t["to_state"] for t in doc["transitions"]] == ["pending-validation", "validated"]
    assert doc["refusals"][0]["reason"] == "skipped state" and doc["chain_intact"]


def test_no_ledger_is_a_gap_and_a_broken_one_is_failed(tmp_path):
    gap = sources.promotion_ledger(tmp_path, REGION, "m")
    assert isinstance(gap, sources.Gap) and "seawall promote" in gap.produce
    ledger(tmp_path)
    with sqlite3.connect(tmp_path / "regions" / REGION / "governance.db") as db:
        db.execute("DROP TRIGGER transitions_no_update")
        db.execute("UPDATE transitions SET ticket = 'CHG-2' WHERE seq = 2")
    piece = sources.promotion_ledger(tmp_path, REGION, "m")
    assert piece.status == "failed" and piece.note == "the ledger's chain is broken at #2"
