"""Walking the hash chain: the first broken link, or the head an auditor keeps.

The stores refuse UPDATE and DELETE with triggers; the chain is what proves it when someone with
the database's owner rights bypasses them. Truncating the newest records is only detectable
against a head hash noted elsewhere, so `verify_chain` reports the head for the auditor to keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from artifacts.documents import Document
from artifacts.ledger.records import GENESIS, link_hash
from artifacts.ledger.stores import DecisionStore


@dataclass(frozen=True)
class ChainReport(Document):
    """What walking a chain found: how many records verify, the head, the first broken link."""

    FORMAT: ClassVar[str] = "seawall.chain_report/v1"
    location: str
    records: int
    head: str  # hash of the last good record (GENESIS when empty)
    broken_at: int | None = None  # seq of the first broken record
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "intact": self.intact}


def verify_chain(store: DecisionStore) -> ChainReport:
    """Walk the chain from the first record; stop at the first broken link."""
    expected_seq, prev, count = 1, GENESIS, 0
    for record in store.records():
        if record.seq != expected_seq:
            return ChainReport(store.location, count, prev, expected_seq,
                               f"record {expected_seq} is missing (next present is "
                               f"{record.seq}): records were deleted")
        if record.prev_hash != prev:
            return ChainReport(store.location, count, prev, record.seq,
                               f"record {record.seq}: prev_hash {record.prev_hash[:16]}… does not "
                               f"match record {record.seq - 1}'s hash {prev[:16]}…")
        recomputed = link_hash(record.seq, record.decision, record.prev_hash)
        if recomputed != record.hash:
            return ChainReport(store.location, count, prev, record.seq,
                               f"record {record.seq} (request {record.decision.request_id}): "
                               f"its content does not hash to its stored hash: it was altered")
        prev, count, expected_seq = record.hash, count + 1, expected_seq + 1
    return ChainReport(store.location, count, prev)
