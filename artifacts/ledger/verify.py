"""Walking the hash chain: the first broken link, the Merkle root, and consistency with a
checkpoint an auditor kept.

The stores refuse UPDATE and DELETE with triggers; the chain is what proves it when someone with
the database's owner rights bypasses them. The chain alone cannot show that the newest records
were removed, or that a record was rewritten and every later hash recomputed: a signed
checkpoint (tree size and Merkle root) taken earlier can. Given one, `verify_chain` proves with
an RFC 6962 consistency proof that the log still extends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from artifacts.documents import Document
from artifacts.ledger import merkle
from artifacts.ledger.checkpoint import Checkpoint
from artifacts.ledger.records import GENESIS, LoggedDecision, link_hash
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
    root: str = ""  # RFC 6962 Merkle root over the records' hashes (hex; "" when broken)
    consistent_with: str = ""  # the checkpoint this log was proven to extend
    unattested: int = 0  # records after that checkpoint, which no signature covers yet

    @property
    def intact(self) -> bool:
        return self.broken_at is None

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "intact": self.intact}


class ChainWalk:
    """The chain checked one record at a time, in `seq` order: `step` returns the report of the
    first broken link, or None. Used by `verify_chain` and, incrementally, by the service's
    checkpoint signer (which never signs a root over a broken chain)."""

    def __init__(self, location: str) -> None:
        self.location, self.count, self.head = location, 0, GENESIS

    def step(self, record: LoggedDecision) -> ChainReport | None:
        expected, prev = self.count + 1, self.head
        if record.seq != expected:
            return ChainReport(self.location, self.count, prev, expected,
                               f"record {expected} is missing (next present is {record.seq}): "
                               "records were deleted")
        if record.prev_hash != prev:
            return ChainReport(self.location, self.count, prev, record.seq,
                               f"record {record.seq}: prev_hash {record.prev_hash[:16]}… does "
                               f"not match record {record.seq - 1}'s hash {prev[:16]}…")
        if link_hash(record.seq, record.decision, record.prev_hash) != record.hash:
            return ChainReport(self.location, self.count, prev, record.seq,
                               f"record {record.seq} (request {record.decision.request_id}): "
                               f"its content does not hash to its stored hash: it was altered")
        self.count, self.head = expected, record.hash
        return None


def verify_chain(store: DecisionStore, *, checkpoint: Checkpoint | None = None
                 ) -> ChainReport:
    """Walk the chain from the first record; stop at the first broken link. With a
    `checkpoint` (already signature-checked), also prove that the log extends it."""
    walk, leaves = ChainWalk(store.location), []
    for record in store.records():
        broken = walk.step(record)
        if broken is not None:
            return broken
        leaves.append(merkle.leaf_hash(bytes.fromhex(record.hash)))
    count, prev = walk.count, walk.head
    head = merkle.root(leaves)
    if checkpoint is None:
        return ChainReport(store.location, count, prev, root=head.hex())
    signed = (f"checkpoint {checkpoint.origin} of {checkpoint.size} records, root "
              f"{checkpoint.root.hex()[:16]}…")
    if checkpoint.size > count:
        return ChainReport(store.location, count, prev, count + 1,
                           f"the log holds {count} records, fewer than the {checkpoint.size} "
                           f"the {signed} covers: records were removed", head.hex())
    proof = merkle.consistency_proof(checkpoint.size, leaves)
    if not merkle.verify_consistency(checkpoint.size, count, checkpoint.root, head, proof):
        return ChainReport(store.location, count, prev, checkpoint.size,
                           f"the first {checkpoint.size} records no longer have the root the "
                           f"{signed} signed: records were rewritten (and the chain re-hashed)",
                           head.hex())
    return ChainReport(store.location, count, prev, root=head.hex(), consistent_with=signed,
                       unattested=count - checkpoint.size)
