"""The ledger: an append-only, hash-chained log with SQLite (embedded), PostgreSQL (production)
and in-memory (tests) stores. The onshore service's decision log appends to it (its group-commit
writer process stays in `service`).

Public API (stable)::

    from artifacts.ledger import open_store, verify_chain

    store = open_store("postgresql://ledger@db/seawall")   # or a SQLite path, or secret:<name>
    report = verify_chain(store)
    assert report.intact, report.reason
"""

from regions import _exports

_EXPORTS = {
    "GENESIS": "artifacts.ledger.records",
    "Decision": "artifacts.ledger.records",
    "DecisionColumns": "artifacts.ledger.records",
    "LoggedDecision": "artifacts.ledger.records",
    "features_sha256": "artifacts.ledger.records",
    "ChainReport": "artifacts.ledger.verify",
    "Checkpoint": "artifacts.ledger.checkpoint",
    "InclusionProof": "artifacts.ledger.proofs",
    "check_proof": "artifacts.ledger.proofs",
    "prove": "artifacts.ledger.proofs",
    "origin_of": "artifacts.ledger.checkpoint",
    "open_checkpoint": "artifacts.ledger.checkpoint",
    "write_atomically": "artifacts.ledger.checkpoint",
    "sign_checkpoint": "artifacts.ledger.checkpoint",
    "verify_chain": "artifacts.ledger.verify",
    "DecisionStore": "artifacts.ledger.stores",
    "LogPoint": "artifacts.ledger.period",
    "PeriodSummary": "artifacts.ledger.period",
    "VersionCount": "artifacts.ledger.period",
    "InMemoryStore": "artifacts.ledger.stores",
    "open_resolved_store": "artifacts.ledger.stores",
    "open_store": "artifacts.ledger.stores",
    "redact": "artifacts.ledger.stores",
    "resolve_url": "artifacts.ledger.stores",
}
__getattr__, __dir__ = _exports.lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
