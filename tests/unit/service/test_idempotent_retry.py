"""Retries are idempotent: a request whose client-chosen id is already in the decision log is
answered from the log, never logged twice; an id reused for another request is refused 409."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_helpers import service_settings

from artifacts.ledger import open_store, verify_chain
from service import create_app
from service.scoring import Endpoint


@pytest.fixture
def client(serving, tmp_path):
    with TestClient(create_app(service_settings(serving, tmp_path))) as c:
        yield c


def logged(tmp_path) -> list:
    store = open_store(str(tmp_path / "decisions.db"))
    try:
        return [r.decision for r in store.records()]
    finally:
        store.close()


def test_a_retry_is_answered_from_the_log_and_logged_once(client, serving, tmp_path):
    body = {"rows": serving.rows(3)}
    first = client.post("/score", json=body, headers={"x-request-id": "drill-1"})
    again = client.post("/score", json=body, headers={"x-request-id": "drill-1"})
    assert first.status_code == again.status_code == 200
    assert again.json()["replayed"] is True and "replayed" not in first.json()
    for a, b in zip(first.json()["results"], again.json()["results"], strict=True):
        assert b["probability_of_default"] == a["probability_of_default"]
        assert b["score"] == a["score"] and b["model_version"] == a["model_version"]
        assert [r["code"] for r in b["reasons"]] == [r["code"] for r in a["reasons"]]
        assert [(r["field"], r["en"], r["vi"]) for r in b["reasons"]] == \
            [(r["field"], r["en"], r["vi"]) for r in a["reasons"]]
    decisions = logged(tmp_path)
    assert [d.request_id for d in decisions] == ["drill-1"] * 3
    assert "seawall_requests_replayed_total 1.0" in client.get("/metrics").text


def test_an_id_reused_for_another_request_is_refused_and_nothing_is_logged(client, serving,
                                                                          tmp_path):
    rows = serving.rows(2)
    assert client.post("/predict", json={"rows": rows},
                       headers={"x-request-id": "r-7"}).status_code == 200
    for endpoint, body in (("/predict", {"rows": rows[:1]}),
                           ("/predict", {"rows": [rows[1], rows[0], rows[0]]}),
                           ("/explain", {"rows": rows})):
        refused = client.post(endpoint, json=body, headers={"x-request-id": "r-7"})
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"] == "request_id_reused"
        assert "'r-7'" in refused.json()["detail"]
    assert len(logged(tmp_path)) == 2


def test_requests_without_a_chosen_id_are_never_merged(client, serving, tmp_path):
    body = {"rows": serving.rows(1)}
    ids = {client.post("/predict", json=body).json()["request_id"] for _ in range(3)}
    assert len(ids) == 3 and len(logged(tmp_path)) == 3


ROWS = st.integers(0, 3)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(list(Endpoint)),
                          st.lists(ROWS, min_size=1, max_size=3)), min_size=1, max_size=8))
def test_any_sequence_of_retries_logs_each_id_once(serving, tmp_path_factory, requests):
    """Whatever the order of first sends, exact retries and reused ids: each id's first request
    is logged once, its exact retries get its answer, anything else under it is a 409."""
    tmp = tmp_path_factory.mktemp("retries")
    rows = serving.rows(4)
    first: dict[str, tuple] = {}
    answers: dict[str, list] = {}
    with TestClient(create_app(service_settings(serving, tmp))) as client:
        for rid, endpoint, picks in requests:
            body = {"rows": [rows[i] for i in picks]}
            response = client.post(f"/{endpoint.value}", json=body, headers={"x-request-id": rid})
            if rid not in first:
                assert response.status_code == 200
                first[rid], answers[rid] = (endpoint, picks), response.json()["results"]
            elif first[rid] == (endpoint, picks) or (
                    first[rid][0] == endpoint and sorted(first[rid][1]) == sorted(picks)):
                assert response.status_code == 200 and response.json()["replayed"]
                got = sorted(r["probability_of_default"] for r in response.json()["results"])
                assert got == sorted(r["probability_of_default"] for r in answers[rid])
            else:
                assert response.status_code == 409
    decisions = logged(tmp)
    counts = Counter(d.request_id for d in decisions)
    assert counts == {rid: len(picks) for rid, (_, picks) in first.items()}
    store = open_store(str(tmp / "decisions.db"))
    try:
        assert verify_chain(store).intact
    finally:
        store.close()


def test_concurrent_appends_of_one_request_id_log_it_once(tmp_path):
    """Two replicas appending a retry at the same moment: the store's write lock makes the
    look-up and the append one step, so exactly one of them logs it."""
    from decision_helpers import decision

    url = str(tmp_path / "shared.db")
    open_store(url).close()
    results, barrier = [], threading.Barrier(4)

    def replica() -> None:
        store = open_store(url)
        try:
            barrier.wait()
            results.append(store.append_once([decision(1, request_id="same")], None, {"same"}))
        finally:
            store.close()

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(linked) for linked, _ in results) == [0, 0, 0, 1]
    assert sum(1 for _, replays in results if replays) == 3
    assert [d.request_id for d in logged_at(url)] == ["same"]


def logged_at(url: str) -> list:
    store = open_store(url)
    try:
        return [r.decision for r in store.records()]
    finally:
        store.close()
