"""The outside probe's findings, one by one: bad input is a structured 4xx, never a 500, and one
bad request never stalls another request's answer."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from fastapi.testclient import TestClient
from service_helpers import service_settings as settings

from artifacts.ledger import open_store
from service import create_app

SCORING = ("/predict", "/score", "/explain")


@pytest.fixture
def client(serving, tmp_path):
    with TestClient(create_app(settings(serving, tmp_path))) as c:
        yield c


def body(doc) -> bytes:
    """JSON as a careless client writes it: the standard library, lone surrogates escaped."""
    return json.dumps(doc).encode()


def rules(response) -> list[tuple[str, str]]:
    return [(v["field"], v["rule"]) for v in response.json()["violations"]]


def test_a_lone_surrogate_in_application_ids_is_a_422_and_stalls_nothing(client, serving,
                                                                        tmp_path):
    row = serving.rows(1)[0]
    bad = client.post("/predict", content=body({"rows": [row], "application_ids": ["\ud800"]}))
    assert bad.status_code == 422 and rules(bad) == [("(body)", "json")]
    started = time.monotonic()
    good = client.post("/predict", json={"rows": [row], "application_ids": ["APP-1"]})
    assert good.status_code == 200 and time.monotonic() - started < 5
    assert [d.application_id for d in
            (r.decision for r in open_store(str(tmp_path / "decisions.db")).records())] == ["APP-1"]
    assert client.get("/ready").status_code == 200


@pytest.mark.parametrize("where", ["field name", "category value", "top-level key",
                                   "application id"])
def test_lone_surrogates_anywhere_are_refused(client, serving, where):
    row = dict(serving.rows(1)[0])
    doc = {"rows": [row]}
    if where == "field name":
        row["\udc80"] = 1
    elif where == "category value":
        row["EDUCATION"] = "\ud83d"
    elif where == "top-level key":
        doc["\ud800"] = []
    else:
        doc["application_ids"] = ["ok\udfff"]
    for path in SCORING:
        response = client.post(path, content=body(doc))
        assert response.status_code == 422, (path, response.text)
        assert rules(response) == [("(body)", "json")]
        assert "surrogate" in response.json()["violations"][0]["message"]


@pytest.mark.parametrize("field", ["LIMIT_BAL", "EDUCATION"])
def test_integers_beyond_any_float_are_named_not_a_500(client, serving, field):
    row = dict(serving.rows(1)[0], **{field: 10 ** 309})
    for path in SCORING:
        response = client.post(path, content=body({"rows": [row]}))
        assert response.status_code == 422, response.text
        (v,) = response.json()["violations"]
        assert v["field"] == field and v["rule"] in ("finite", "type")
        assert v["value"].startswith("1000000000")  # echoed as text: JSON answers hold 64 bits


def test_duplicate_keys_are_refused_wherever_they_are(client, serving):
    row = json.dumps(serving.rows(1)[0])
    in_row = row.replace('{"', '{"AGE": 30, "', 1)
    spaced = row.replace('{"', '{"AGE" :30, "', 1)  # a blank before the colon counts too
    for raw in (f'{{"rows": [{in_row}]}}', f'{{"rows": [{spaced}]}}',
                f'{{"rows": [{row}], "rows": [{row}]}}'):
        response = client.post("/predict", content=raw.encode())
        assert response.status_code == 422, raw[:80]
        assert response.json()["violations"][0]["rule"] == "duplicate_key"
    # A string that happens to hold '":' is no duplicate: it takes the exact path and passes.
    ids = client.post("/predict", json={"rows": serving.rows(1), "application_ids": ['x":y']})
    assert ids.status_code == 200


def test_a_null_body_names_its_violation(client):
    response = client.post("/predict", content=b"null")
    assert response.status_code == 422 and rules(response) == [("(body)", "body")]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x",
                                          "application/json; charset=latin-1"])
def test_a_body_not_declared_json_is_a_415(client, serving, content_type):
    response = client.post("/predict", content=body({"rows": serving.rows(1)}),
                           headers={"content-type": content_type})
    assert response.status_code == 415
    assert rules(response) == [("(content-type)", "content_type")]
    for ok in ("application/json", "application/json; charset=UTF-8", "application/vnd.x+json"):
        assert client.post("/predict", content=body({"rows": serving.rows(1)}),
                           headers={"content-type": ok}).status_code == 200


def test_application_ids_must_be_an_array_of_one_per_row(client, serving):
    for ids in (None, ["A-1"], ["A-1", "A-2", "A-3"], "A-1", [1, 2]):
        response = client.post("/predict", json={"rows": serving.rows(2),
                                                 "application_ids": ids})
        assert response.status_code == 422, ids
        assert rules(response) == [("application_ids", "application_ids")]
    schema = client.get("/openapi.json").json()
    ids_schema = (schema["paths"]["/predict"]["post"]["requestBody"]["content"]
                  ["application/json"]["schema"]["properties"]["application_ids"])
    assert ids_schema["type"] == "array"  # null is not an array: the schema refuses it too


def test_readiness_turns_503_while_the_writer_cannot_commit(serving, tmp_path):
    app = create_app(settings(serving, tmp_path, decision_timeout=1.0))
    with TestClient(app) as c:
        assert c.get("/ready").status_code == 200
        writer = app.state.decision_writer
        os.kill(writer.pid, signal.SIGSTOP)
        try:
            stuck = c.post("/predict", json={"rows": serving.rows(1)})
            assert stuck.status_code == 503
            assert stuck.json()["error"] == "decision_log_unavailable"
            ready = c.get("/ready")
            assert ready.status_code == 503
            assert any("no commit" in r for r in ready.json()["reasons"])
        finally:
            os.kill(writer.pid, signal.SIGCONT)
        assert c.get("/ready").status_code == 200  # it commits again
        assert c.post("/predict", json={"rows": serving.rows(1)}).status_code == 200
