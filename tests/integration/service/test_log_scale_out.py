"""Scale-out: several pods (here `seawall serve` processes, one of them with two workers)
writing to one PostgreSQL decision log. The group commit keeps its guarantees: every answered
request is logged once, in one gap-free chain that verifies, and a retry that reaches two pods
at the same moment is logged once and answered the same by both."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
from server_helpers import start

from artifacts.ledger import open_store, verify_chain


def test_several_pods_and_workers_log_one_chain_and_each_request_once(serving, tmp_path,
                                                                      pg_url):
    for pod in ("pod-a", "pod-b"):
        (tmp_path / pod).mkdir()
    with ThreadPoolExecutor(max_workers=2) as pool:  # the pods start side by side
        pods = list(pool.map(lambda args: start(serving, tmp_path / args[0], "--decision-log",
                                                pg_url, *args[1:]),
                             [("pod-a", "--workers", "2"), ("pod-b",)]))
    rows = serving.rows(20)
    try:
        def send(n: int, pod: int, rid: str) -> tuple[str, int, list]:
            body = {"rows": [rows[n % len(rows)]], "application_ids": [f"APP-{rid}"]}
            answer = httpx.post(f"{pods[pod].url}/predict", json=body, timeout=30,
                                headers={"x-request-id": rid})
            return rid, answer.status_code, answer.json().get("results", [])

        jobs = [(n, n % 2, f"req-{n}") for n in range(120)]
        # the same retry sent to both pods at once, twenty times over
        jobs += [(n, pod, f"race-{n}") for n in range(20) for pod in (0, 1)]
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(lambda job: send(*job), jobs))
    finally:
        for pod in pods:
            pod.stop()
    assert all(status == 200 for _, status, _ in answers)
    by_id: dict[str, list] = {}
    for rid, _, results in answers:
        by_id.setdefault(rid, []).append(results[0]["probability_of_default"])
    assert all(len(set(p)) == 1 for p in by_id.values())  # both pods gave the same answer
    with psycopg.connect(pg_url) as db:
        seqs = [r[0] for r in db.execute("SELECT seq FROM decisions ORDER BY seq")]
        ids = Counter(r[0] for r in db.execute("SELECT request_id FROM decisions"))
    assert seqs == list(range(1, len(seqs) + 1))  # one chain, no gap, no fork
    assert set(ids) == set(by_id) and set(ids.values()) == {1}  # each request logged once
    store = open_store(pg_url, read_only=True)
    try:
        report = verify_chain(store)
    finally:
        store.close()
    assert report.intact and report.records == len(by_id) == 140
