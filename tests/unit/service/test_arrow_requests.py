"""Arrow IPC bodies on `/predict`, `/score` and the Open Inference Protocol's infer: scored as
JSON rows are, logged, and any broken or mistyped stream answered 422 (400 in the protocol's
shape), never a 500."""

from __future__ import annotations

import numpy as np
import orjson
import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_helpers import service_settings
from test_oip import logged_total, model

from service import create_app
from service.arrow_check import MEDIA_TYPE

ARROW = {"content-type": MEDIA_TYPE}


@pytest.fixture(scope="module")
def client(serving, tmp_path_factory):
    with TestClient(create_app(service_settings(serving, tmp_path_factory.mktemp("arrow")))) \
            as c:
        yield c


def golden_table(serving, rows: int = 5) -> pa.Table:
    contract = orjson.loads((serving.champion / "contract.json").read_bytes())
    kinds = {f["name"]: f["type"] for f in contract["fields"]}
    data = serving.golden["rows"][:rows]
    return pa.table({c: pa.array([r[j] for r in data], pa.float64()) if kinds[c] == "numeric"
                     else pa.array([str(r[j]) for r in data])
                     for j, c in enumerate(serving.golden["columns"])})


def stream(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        for batch in table.to_batches(max_chunksize=2):  # several record batches
            writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def test_an_arrow_batch_scores_as_json_rows_do_and_every_row_is_logged(client, serving):
    ids = pa.array([f"APP-{i}" for i in range(5)])
    before = logged_total(client)
    done = client.post("/predict", content=stream(golden_table(serving).append_column(
        "application_id", ids)), headers=ARROW)
    assert done.status_code == 200, done.text
    np.testing.assert_allclose([r["probability_of_default"] for r in done.json()["results"]],
                               serving.golden["expected"]["probability"][:5], atol=1e-9)
    assert logged_total(client) == before + 5
    scored = client.post("/score", content=stream(golden_table(serving, 2)), headers=ARROW)
    assert scored.status_code == 200 and all(r["reasons"] for r in scored.json()["results"])


def test_the_protocols_infer_takes_an_arrow_stream(client, serving):
    done = client.post(f"/v2/models/{model(serving)}/infer",
                       content=stream(golden_table(serving, 3)), headers=ARROW)
    assert done.status_code == 200, done.text
    (out,) = done.json()["outputs"]
    np.testing.assert_allclose(out["data"], serving.golden["expected"]["probability"][:3],
                               atol=1e-9)


def test_a_bad_stream_or_column_is_named_and_nothing_is_logged(client, serving):
    before = logged_total(client)
    broken = client.post("/predict", content=b"ARROW1 not really", headers=ARROW)
    assert broken.status_code == 422 and broken.json()["violations"][0]["rule"] == "arrow"
    first = serving.golden["columns"][0]
    t = golden_table(serving, 2)
    mistyped = t.set_column(0, first, pa.array(["a", "b"]))
    done = client.post("/predict", content=stream(mistyped), headers=ARROW)
    assert done.status_code == 422
    assert [(v["field"], v["rule"]) for v in done.json()["violations"]] == [(first, "type")]
    v2 = client.post(f"/v2/models/{model(serving)}/infer", content=stream(mistyped),
                     headers=ARROW)
    assert v2.status_code == 400 and first in v2.json()["error"]
    assert logged_total(client) == before


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_any_cut_or_changed_stream_is_answered_never_a_500(client, serving, data):
    body = bytearray(stream(golden_table(serving, 3)))
    for _ in range(data.draw(st.integers(0, 4))):
        body[data.draw(st.integers(0, len(body) - 1))] = data.draw(st.integers(0, 255))
    body = bytes(body[:data.draw(st.integers(0, len(body)))])
    path = data.draw(st.sampled_from(["/predict", f"/v2/models/{model(serving)}/infer"]))
    done = client.post(path, content=body, headers=ARROW)
    assert done.status_code in (200, 400, 422), (done.status_code, done.text)


COLUMN = st.sampled_from([pa.float64(), pa.float32(), pa.int64(), pa.int8(), pa.string(),
                          pa.bool_(), pa.null(), pa.list_(pa.int64())])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_columns_of_any_type_and_value_are_scored_or_refused(client, serving, data):
    t = golden_table(serving, 3)
    for name in data.draw(st.lists(st.sampled_from(t.column_names), max_size=3, unique=True)):
        kind = data.draw(COLUMN)
        values = {pa.string(): st.text(max_size=4), pa.bool_(): st.booleans(),
                  pa.null(): st.none(), pa.list_(pa.int64()): st.lists(st.integers(-9, 9)),
                  pa.int8(): st.integers(-128, 127), pa.int64(): st.integers(-2**63, 2**63 - 1),
                  }.get(kind, st.floats(width=32 if kind == pa.float32() else 64))
        cells = data.draw(st.lists(st.one_of(st.none(), values), min_size=3, max_size=3))
        t = t.set_column(t.column_names.index(name), name, pa.array(cells, kind))
    if data.draw(st.booleans()):  # a column again, or one the contract does not have
        extra = data.draw(st.sampled_from([*t.column_names, "application_id", "SALARY"]))
        t = pa.Table.from_arrays([*t.columns, t.column(0)], names=[*t.column_names, extra])
    done = client.post("/predict", content=stream(t), headers=ARROW)
    assert done.status_code in (200, 422), (done.status_code, done.text)
    if done.status_code == 422:
        assert all(v["rule"] and v["field"] for v in done.json()["violations"])
