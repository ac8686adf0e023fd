"""Arbitrary JSON and arbitrary bytes at every scoring endpoint: never a 5xx, never a stall.

Hypothesis writes the bodies: any JSON document (lone surrogates escaped, integers far past
64 bits, NaN and infinities, duplicate keys spliced in), contract rows with one cell replaced by
any JSON value, and raw byte strings. Every answer must be a 2xx or a structured 4xx, and a good
request sent after each bad one must still be answered at once (a bad request that left its
slot in the decision-log writer's queue would delay it).
"""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import ServiceSettings, create_app

SCORING = ("/predict", "/score", "/explain")
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")  # reprs
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])

any_text = st.text(st.characters(codec=None, categories=None), max_size=12)  # surrogates too
scalars = (st.none() | st.booleans() | any_text | st.floats(allow_nan=True)
           | st.integers() | st.integers(min_value=10 ** 300, max_value=10 ** 400)
           | st.integers(min_value=-(10 ** 400), max_value=-(10 ** 300)))
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                         | st.dictionaries(any_text, inner, max_size=4), max_leaves=20)


@pytest.fixture(scope="module")
def fuzz_client(serving, tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    app = create_app(ServiceSettings(region="onshore-hn", bundle=serving.champion,
                                     catalogue=serving.catalogue, access_log=False,
                                     decision_log=str(root / "decisions.db"),
                                     decision_timeout=10.0, insecure_no_auth=True))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def assert_answered(client, path: str, raw: bytes, good_row: dict) -> None:
    response = client.post(path, content=raw, headers={"content-type": "application/json"})
    assert response.status_code < 500, (path, raw[:200], response.text[:300])
    if response.status_code >= 400:
        doc = response.json()
        assert doc["error"] == "contract_violation" and doc["violations"], doc
    started = time.monotonic()
    after = client.post("/predict", json={"rows": [good_row]})
    assert after.status_code == 200 and time.monotonic() - started < 5, after.text


def dumps(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=True).encode()  # NaN, Infinity and \udXXX as written


@FUZZ
@given(doc=documents, path=st.sampled_from(SCORING))
def test_any_json_document_is_answered_without_a_5xx(fuzz_client, serving, doc, path):
    assert_answered(fuzz_client, path, dumps(doc), serving.rows(1)[0])


@FUZZ
@given(raw=st.binary(max_size=300), path=st.sampled_from(SCORING))
def test_any_bytes_are_answered_without_a_5xx(fuzz_client, serving, raw, path):
    assert_answered(fuzz_client, path, raw, serving.rows(1)[0])


@FUZZ
@given(data=st.data(), path=st.sampled_from(SCORING), ordered=st.booleans())
def test_a_contract_row_with_any_cell_or_id_replaced_is_answered(fuzz_client, serving, data,
                                                                 path, ordered):
    row = serving.rows(1)[0]
    field = data.draw(st.sampled_from([*row, "(new key)"]), label="field")
    value = data.draw(documents, label="value")
    bad = dict(row)
    bad[data.draw(any_text, label="new key") if field == "(new key)" else field] = value
    doc: dict = {"rows": [list(bad.values()) if ordered and field != "(new key)" else bad]}
    if data.draw(st.booleans(), label="with ids"):
        doc["application_ids"] = data.draw(documents, label="application_ids")
    raw = dumps(doc)
    if data.draw(st.booleans(), label="duplicate a key"):
        raw = raw.replace(b'{"', b'{"AGE": 1, "', 1)
    assert_answered(fuzz_client, path, raw, row)
