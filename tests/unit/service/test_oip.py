"""The Open Inference Protocol (KServe V2) in process: tensors in JSON and in the binary
extension, the same contract check and decision log as /predict, errors in the protocol's
shape (400, never 500), the predict scope on infer, and any request body fuzzed."""

from __future__ import annotations

import json
import struct

import numpy as np
import orjson
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_helpers import service_settings
from test_auth import bearer, issuer, token  # noqa: F401  (the issuer fixture)
from test_auth import settings as auth_settings

from artifacts.ledger import open_store
from service import create_app


@pytest.fixture(scope="module")
def client(serving, tmp_path_factory):
    with TestClient(create_app(service_settings(serving, tmp_path_factory.mktemp("oip")))) as c:
        yield c


def model(serving) -> str:
    return orjson.loads((serving.champion / "manifest.json").read_bytes())["model"]["name"]


def tensors(serving, rows: int = 3) -> list[dict]:
    """The golden rows as one JSON tensor per contract field (in the metadata's datatypes)."""
    columns, data = serving.golden["columns"], serving.golden["rows"][:rows]
    contract = orjson.loads((serving.champion / "contract.json").read_bytes())
    kinds = {f["name"]: f["type"] for f in contract["fields"]}
    return [{"name": c, "shape": [rows], "datatype": "FP64" if kinds[c] == "numeric" else "BYTES",
             "data": [r[j] if kinds[c] == "numeric" else str(r[j]) for r in data]}
            for j, c in enumerate(columns)]


def test_metadata_and_health_follow_the_protocol(client, serving):
    assert client.get("/v2/health/live").json() == {"live": True}
    assert client.get("/v2/health/ready").status_code == 200
    assert "binary_tensor_data" in client.get("/v2").json()["extensions"]
    meta = client.get(f"/v2/models/{model(serving)}").json()
    assert [i["name"] for i in meta["inputs"]][:-1] == serving.golden["columns"]
    assert meta["outputs"] == [{"name": "probability_of_default", "datatype": "FP64",
                                "shape": [-1]}]
    assert client.get(f"/v2/models/{model(serving)}/ready").json()["ready"] is True
    assert client.get("/v2/models/nope/ready").status_code == 404


def logged_total(client) -> float:
    (line,) = [x for x in client.get("/metrics").text.splitlines()
               if x.startswith("seawall_decisions_logged_total ")]
    return float(line.split()[1])


def test_json_tensors_score_as_predict_does_and_are_logged(client, serving):
    name = model(serving)
    before = logged_total(client)
    done = client.post(f"/v2/models/{name}/infer",
                       json={"id": "batch-7", "inputs": tensors(serving)})
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["id"] == "batch-7" and body["model_name"] == name
    (out,) = body["outputs"]
    np.testing.assert_allclose(out["data"], serving.golden["expected"]["probability"][:3],
                               atol=1e-9)
    assert logged_total(client) == before + 3


def binary_body(serving, rows: int = 4) -> tuple[bytes, int]:
    """The golden rows in the binary extension: numbers as raw FP64, texts length-prefixed."""
    header, raw = {"inputs": [], "outputs": [{"name": "probability_of_default",
                                              "parameters": {"binary_data": True}}]}, b""
    for t in tensors(serving, rows):
        if t["datatype"] == "FP64":
            chunk = np.asarray(t["data"], dtype="<f8").tobytes()
        else:
            chunk = b"".join(struct.pack("<I", len(v.encode())) + v.encode() for v in t["data"])
        header["inputs"].append({"name": t["name"], "shape": [rows], "datatype": t["datatype"],
                                 "parameters": {"binary_data_size": len(chunk)}})
        raw += chunk
    head = orjson.dumps(header)
    return head + raw, len(head)


def test_binary_tensors_in_and_out(client, serving):
    body, length = binary_body(serving)
    done = client.post(f"/v2/models/{model(serving)}/infer", content=body,
                       headers={"Inference-Header-Content-Length": str(length)})
    assert done.status_code == 200, done.text
    size = int(done.headers["inference-header-content-length"])
    header = orjson.loads(done.content[:size])
    (out,) = header["outputs"]
    assert out["parameters"]["binary_data_size"] == 4 * 8
    got = np.frombuffer(done.content[size:], dtype="<f8")
    np.testing.assert_allclose(got, serving.golden["expected"]["probability"][:4], atol=1e-9)


@pytest.mark.parametrize("change, words", [
    (lambda d: d["inputs"].pop(0), "missing input tensor"),
    (lambda d: d["inputs"][0].update(shape=[2, 2]), "shape must be [N] or [N, 1]"),
    (lambda d: d["inputs"][0].update(data=[1.0]), "shape says 3 values"),
    (lambda d: d["inputs"][0].update(name="NOPE"), "not a field of contract"),
    (lambda d: d["inputs"][0].update(data=[-5.0, -5.0, -5.0]), "row 0:"),
    (lambda d: d["inputs"][0].update(datatype="FP16"), "not supported"),
    (lambda d: d.update(outputs=[{"name": "score"}]), "the only output"),
    (lambda d: d["inputs"].append(dict(d["inputs"][0])), "given twice"),
])
def test_a_bad_request_is_a_400_naming_the_problem(client, serving, change, words):
    doc = {"inputs": tensors(serving)}
    change(doc)
    done = client.post(f"/v2/models/{model(serving)}/infer", content=orjson.dumps(doc))
    assert done.status_code == 400, done.text
    assert words in done.json()["error"]


def test_a_cut_binary_body_and_an_unknown_model_are_refused(client, serving):
    body, length = binary_body(serving)
    cut = client.post(f"/v2/models/{model(serving)}/infer", content=body[:-3],
                      headers={"Inference-Header-Content-Length": str(length)})
    assert cut.status_code == 400 and "binary" in cut.json()["error"]
    wrong = client.post(f"/v2/models/{model(serving)}/infer", content=body,
                        headers={"Inference-Header-Content-Length": "999999"})
    assert wrong.status_code == 400 and "Inference-Header-Content-Length" in wrong.json()["error"]
    other = client.post("/v2/models/other/versions/1/infer", json={"inputs": []})
    assert other.status_code == 404 and "no model 'other'" in other.json()["error"]


def test_infer_needs_the_predict_scope_and_health_is_open(serving, tmp_path, issuer):  # noqa: F811
    with TestClient(create_app(auth_settings(serving, tmp_path, issuer))) as c:
        assert c.get("/v2/health/live").status_code == 200
        url = f"/v2/models/{model(serving)}/infer"
        body = {"inputs": tensors(serving, 1)}
        assert c.post(url, json=body).status_code == 401
        assert c.post(url, json=body, headers=bearer(token(issuer, "seawall:score"))
                      ).status_code == 403
        assert c.post(url, json=body, headers=bearer(token(issuer, "seawall:predict"))
                      ).status_code == 200
        store = open_store(str(tmp_path / "decisions.db"))
        (logged,) = [r.decision for r in store.records()]
        store.close()
        assert logged.endpoint == "predict" and logged.caller == "jwt:loan-origination"


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
                    lambda inner: st.lists(inner, max_size=4) |
                    st.dictionaries(st.sampled_from(["inputs", "outputs", "name", "shape",
                                                     "datatype", "data", "parameters",
                                                     "binary_data_size", "id"]), inner,
                                    max_size=5), max_leaves=20)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(JSON.map(lambda d: json.dumps(d).encode()), st.binary(max_size=200)),
       st.one_of(st.none(), st.integers(-5, 400).map(str),
                 st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=4)))
def test_any_body_and_header_length_is_answered_never_a_500(client, serving, body, length):
    headers = {} if length is None else {"Inference-Header-Content-Length": length}
    done = client.post(f"/v2/models/{model(serving)}/infer", content=body, headers=headers)
    assert done.status_code in (200, 400), (done.status_code, done.text)
    assert "error" in done.json() or done.status_code == 200


SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(),
                   st.text(max_size=5), st.lists(st.integers(), max_size=2))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_well_formed_tensors_with_any_values_are_scored_or_refused_never_a_500(client, serving,
                                                                              data):
    doc = {"inputs": tensors(serving, 2)}
    for t in data.draw(st.lists(st.sampled_from(doc["inputs"]), max_size=3)):
        t["data"] = data.draw(st.lists(SCALAR, min_size=2, max_size=2))
        t["datatype"] = data.draw(st.sampled_from(["FP64", "FP32", "INT64", "BYTES", "BOOL",
                                                    t["datatype"]]))
    done = client.post(f"/v2/models/{model(serving)}/infer",
                       content=json.dumps(doc).encode())
    assert done.status_code in (200, 400), (done.status_code, done.text)
