"""The drill's figures from what the client recorded and what the DR region's log holds.

RTO runs from the fault to the first 200 the DR region sent; a request fails only if no attempt
of it was answered 200 before the client gave up; RPO counts acknowledged request ids the DR
log does not hold after promotion. The chain is verified end to end on the DR region's copy,
and its first record after the takeover must link to the head the DR region took over.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import psycopg

from artifacts.drill_report import Bin
from artifacts.ledger import GENESIS, open_store, verify_chain
from infra.drill.load import Attempt

BIN_S = 0.25  # seconds per slice of the timeline


def client_figures(attempts: list[Attempt], fault_at: float, dr: str) -> dict:
    by_request: dict[int, list[Attempt]] = defaultdict(list)
    for a in attempts:
        by_request[a.request].append(a)
    answered = {n for n, tries in by_request.items() if any(t.status == 200 for t in tries)}
    from_dr = [a.ended for a in attempts
               if a.status == 200 and a.served_by == dr and a.started >= fault_at]
    return {"requests": len(by_request), "acknowledged": len(answered),
            "failed_requests": len(by_request) - len(answered),
            "retried_requests": sum(1 for tries in by_request.values() if len(tries) > 1),
            "replayed_requests": sum(1 for a in attempts if a.status == 200 and a.replayed),
            "rto_s": round(min(from_dr) - fault_at, 3) if from_dr else float("inf")}


def acknowledged_ids(attempts: list[Attempt]) -> set[str]:
    return {a.request_id for a in attempts if a.status == 200}


def series(attempts: list[Attempt]) -> list[Bin]:
    """The timeline in `BIN_S` slices: attempts answered and failed, latency of the answered
    ones, and which region answered."""
    if not attempts:
        return []
    slices = int(max(a.ended for a in attempts) / BIN_S) + 1
    grouped: list[list[Attempt]] = [[] for _ in range(slices)]
    for a in attempts:
        grouped[int(a.ended / BIN_S)].append(a)
    bins = []
    for i, group in enumerate(grouped):
        ok = [a for a in group if a.status == 200]
        latency = np.array([(a.ended - a.started) * 1000 for a in ok])
        bins.append(Bin(t=round(i * BIN_S, 3), answered=len(ok), failed=len(group) - len(ok),
                        p50_ms=round(float(np.percentile(latency, 50)), 2) if ok else None,
                        p95_ms=round(float(np.percentile(latency, 95)), 2) if ok else None,
                        served_by=dict(Counter(a.served_by or "?" for a in ok))))
    return bins


def log_figures(url: str, acknowledged: set[str], prefix: str,
                head: tuple[int, str] | None) -> dict:
    """What the DR region's log holds: acknowledged ids missing from it, ids logged twice, the
    chain verified end to end and linked to the head taken over."""
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as db:
        found = {r[0] for r in db.execute(
            "SELECT DISTINCT request_id FROM decisions WHERE request_id = ANY(%s)",
            (sorted(acknowledged),))}
        twice = db.execute(
            "SELECT count(*) FROM (SELECT request_id FROM decisions WHERE request_id LIKE %s "
            "AND role NOT LIKE 'shadow%%' GROUP BY request_id HAVING count(*) > 1) AS t",
            (prefix + "-%",)).fetchone()[0]
        after = db.execute("SELECT prev_hash FROM decisions WHERE seq = %s",
                           ((head[0] if head else 0) + 1,)).fetchone()
    store = open_store(url, read_only=True)
    try:
        chain = verify_chain(store)
    finally:
        store.close()
    continues = after is not None and after[0] == (head[1] if head else GENESIS)
    return {"rpo_lost": len(acknowledged - found), "logged_twice": int(twice),
            "chain_intact": chain.intact, "chain_records": chain.records,
            "head_at_failover": head[0] if head else 0, "continues_chain": continues,
            "chain_problem": chain.reason or ""}
