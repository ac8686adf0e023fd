"""Inclusion proofs: that one request's decisions are in the log a signed checkpoint covers,
checkable offline by an auditor who holds only the proof and the region's public key.

A proof document (`seawall.inclusion_proof/v1`) carries the signed checkpoint note and, per
record, its content, `seq`, `prev_hash` and `hash` and its RFC 6962 audit path. Checking it
recomputes each record's hash from its content (so the decision itself is what is proven),
then its leaf's path to the checkpoint's root.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from artifacts.documents import Document
from artifacts.errors import LedgerError
from artifacts.ledger import merkle
from artifacts.ledger.checkpoint import Checkpoint, open_checkpoint
from artifacts.ledger.records import Decision, LoggedDecision, link_hash


@dataclass(frozen=True, kw_only=True)
class ProvenRecord:
    seq: int
    decision: dict
    prev_hash: str
    hash: str
    proof: list[str]  # hex audit path, leaf to root


@dataclass(frozen=True, kw_only=True)
class InclusionProof(Document):
    FORMAT: ClassVar[str] = "seawall.inclusion_proof/v1"
    request_id: str
    checkpoint: str  # the signed note, as kept
    records: list[ProvenRecord]


def prove(request_id: str, records: Sequence[LoggedDecision], note: str,
          checkpoint: Checkpoint) -> InclusionProof:
    """The proof for `request_id` from a log's records (already verified to extend
    `checkpoint`); `LedgerError` if the checkpoint covers none of its decisions."""
    leaves = [merkle.leaf_hash(bytes.fromhex(r.hash)) for r in records[:checkpoint.size]]
    mine = [r for r in records[:checkpoint.size] if r.decision.request_id == request_id]
    if not mine:
        raise LedgerError(f"request {request_id!r}: no decision of it among the "
                          f"{checkpoint.size} records the checkpoint covers")
    return InclusionProof(request_id=request_id, checkpoint=note, records=[
        ProvenRecord(seq=r.seq, decision=r.decision._asdict(), prev_hash=r.prev_hash,
                     hash=r.hash, proof=[p.hex() for p in
                                         merkle.inclusion_proof(r.seq - 1, leaves)])
        for r in mine])


def check_proof(proof: InclusionProof, public_key, *, source: str = "proof") -> Checkpoint:
    """The checkpoint the proof's records are included in; `LedgerError` naming the record and
    the rule that fails."""
    checkpoint = open_checkpoint(proof.checkpoint, public_key, source=f"{source}: checkpoint")
    for r in proof.records:
        fields = dict(r.decision)
        try:
            if fields.get("reason_codes") is not None:
                fields["reason_codes"] = tuple(fields["reason_codes"])
            decision = Decision(**fields)
            recomputed = link_hash(r.seq, decision, r.prev_hash)
        except (TypeError, ValueError) as e:  # a missing field; a value JSON cannot encode
            raise LedgerError(f"{source}: record {r.seq}: not a decision ({e})") from None
        if decision.request_id != proof.request_id:
            raise LedgerError(f"{source}: record {r.seq} is of request "
                              f"{decision.request_id!r}, not {proof.request_id!r}")
        if recomputed != r.hash:
            raise LedgerError(f"{source}: record {r.seq}: its content does not hash to "
                              f"{r.hash[:16]}…: the decision was altered")
        try:
            path = [bytes.fromhex(p) for p in r.proof]
            leaf = merkle.leaf_hash(bytes.fromhex(r.hash))
        except ValueError:
            raise LedgerError(f"{source}: record {r.seq}: a hash is not hex") from None
        if not merkle.verify_inclusion(r.seq - 1, checkpoint.size, leaf, path, checkpoint.root):
            raise LedgerError(f"{source}: record {r.seq} is not in the log of "
                              f"{checkpoint.size} records the checkpoint signed")
    return checkpoint
