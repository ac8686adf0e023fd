"""The app through its factory: endpoints, fail-closed start-up, 422s, request ids, metrics, the
decision log, shadow and canary."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest
from fastapi.testclient import TestClient
from service_helpers import service_settings as settings

from artifacts.ledger import open_store, verify_chain
from service import create_app


@pytest.fixture
def client(serving, tmp_path):
    with TestClient(create_app(settings(serving, tmp_path))) as c:
        yield c


def logged(tmp_path) -> list:
    return [r.decision for r in open_store(str(tmp_path / "decisions.db")).records()]


def test_predict_replays_the_golden_set(client, serving):
    rows = serving.rows(50)
    response = client.post("/predict", json={"rows": rows})
    assert response.status_code == 200
    got = [r["probability_of_default"] for r in response.json()["results"]]
    np.testing.assert_allclose(got, serving.golden["expected"]["probability"][:50], atol=1e-9)
    ordered = client.post("/predict", json={"rows": serving.golden["rows"][:50]}).json()
    assert [r["probability_of_default"] for r in ordered["results"]] == got


def test_score_and_explain_return_points_and_bilingual_reasons(client, serving):
    row = serving.rows(1)
    score = client.post("/score", json={"rows": row}).json()["results"][0]
    p = score["probability_of_default"]
    assert score["score"] == pytest.approx(600 + 20 / np.log(2) * np.log((1 - p) / p / 50),
                                           abs=0.01)
    explained = client.post("/explain?top_n=2", json={"rows": row}).json()["results"][0]
    reasons = explained["reasons"]
    assert 1 <= len(reasons) <= 2
    assert [r["field"] for r in reasons] == serving.golden["expected"]["reason_codes"][0][:2]
    assert all(r["code"].startswith("RC") and r["en"] and r["vi"] for r in reasons)
    for bad in ("0", "101", "abc", "%C2%B2", "9" * 5000):  # "²" is a digit to str.isdigit
        rejected = client.post(f"/explain?top_n={bad}", json={"rows": row})
        assert rejected.status_code == 422
        assert rejected.json()["violations"][0]["field"] == "top_n"


def test_version_names_the_model_bundle_digest_and_signer(client, serving):
    (model,) = client.get("/version").json()["models"]
    digest = hashlib.sha256((serving.champion / "manifest.json").read_bytes()).hexdigest()
    assert model["bundle_digest"] == f"sha256:{digest}"
    assert model["trusted_as"] == "offshore-release" and model["signer"].startswith("key sha256:")
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json()["ready"] is True


def test_a_contract_violation_is_a_structured_422_and_nothing_is_logged(client, serving, tmp_path):
    row = dict(serving.rows(1)[0], AGE=300)
    response = client.post("/predict", json={"rows": [row]})
    assert response.status_code == 422
    (v,) = response.json()["violations"]
    assert (v["row"], v["field"], v["rule"], v["value"]) == (0, "AGE", "maximum", 300)
    assert client.post("/predict", content=b"\xff\xfe").status_code == 422
    assert logged(tmp_path) == []
    metrics = client.get("/metrics").text
    assert 'seawall_contract_violations_total{field="AGE",rule="maximum"} 1.0' in metrics


def test_body_and_batch_limits(serving, tmp_path):
    app = create_app(settings(serving, tmp_path, max_batch_rows=5, max_body_bytes=4096))
    with TestClient(app) as c:
        too_many = c.post("/predict", json={"rows": serving.rows(6)})
        assert too_many.status_code == 422 and too_many.json()["violations"][0]["rule"] == "max_rows"
        too_big = c.post("/predict", content=b'{"rows": [' + b" " * 5000 + b"]}")
        assert too_big.status_code == 422
        assert too_big.json()["violations"][0]["rule"] == "max_body_bytes"
        streamed = c.post("/predict", content=iter([b'{"rows": [', b" " * 5000, b"]}"]))
        assert streamed.status_code == 422  # no content-length: counted as it arrives
        assert c.get("/predict").status_code == 405
        metrics = c.get("/metrics").text
        assert 'seawall_contract_violations_total{field="(body)",rule="max_body_bytes"} 2.0' \
            in metrics


def test_request_ids_are_propagated_or_made_and_logged(client, serving, tmp_path):
    r = client.post("/predict", json={"rows": serving.rows(2)}, headers={"x-request-id": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123" and r.json()["request_id"] == "abc-123"
    made = client.get("/health").headers["x-request-id"]
    assert len(made) == 32 and made != client.get("/health").headers["x-request-id"]
    unsafe = client.get("/health", headers={"x-request-id": "a b\tc" * 40})
    assert unsafe.headers["x-request-id"] != "a b\tc" * 40
    assert [d.request_id for d in logged(tmp_path)] == ["abc-123", "abc-123"]


def test_every_scored_row_is_logged_before_the_answer(client, serving, tmp_path):
    response = client.post("/score", json={"rows": serving.rows(3),
                                           "application_ids": ["A-1", "A-2", None]})
    decisions = logged(tmp_path)
    results = response.json()["results"]
    assert [d.application_id for d in decisions] == ["A-1", "A-2", None]
    assert [d.probability for d in decisions] == [r["probability_of_default"] for r in results]
    assert [d.points for d in decisions] == [r["score"] for r in results]
    assert all(d.reason_codes and d.endpoint == "score" and d.role == "champion"
               for d in decisions)
    assert len({d.features_sha256 for d in decisions}) == 3
    assert verify_chain(open_store(str(tmp_path / "decisions.db"))).intact


def test_metrics_follow_prometheus_conventions(client, serving):
    client.post("/predict", json={"rows": serving.rows(4)})
    text = client.get("/metrics").text
    assert 'seawall_http_requests_total{endpoint="/predict",model_version="1",status="200"} 1.0' in text
    assert 'seawall_http_request_duration_seconds_bucket{endpoint="/predict",le="0.005"}' in text
    assert 'seawall_score_probability_of_default_count{model_version="1",role="champion"} 4.0' in text
    assert 'seawall_bundle_verified{role="champion"} 1.0' in text
    assert "seawall_http_requests_in_flight" in text and "seawall_decisions_logged_total 4.0" in text


def test_a_tampered_bundle_is_never_served(serving, tmp_path):
    bundle = tmp_path / "tampered"
    shutil.copytree(serving.champion, bundle)
    data = bytearray((bundle / "model.onnx").read_bytes())
    data[len(data) // 2] ^= 1
    (bundle / "model.onnx").write_bytes(bytes(data))
    with TestClient(create_app(settings(serving, tmp_path, bundle=bundle))) as c:
        ready = c.get("/ready")
        assert ready.status_code == 503
        assert any("model.onnx" in r and "digests" in r for r in ready.json()["reasons"])
        for path in ("/predict", "/score", "/explain"):
            r = c.post(path, json={"rows": serving.rows(1)})
            assert r.status_code == 503 and r.json()["error"] == "not_ready"
        assert c.get("/version").status_code == 503
        assert 'seawall_bundle_verified{role="champion"} 0.0' in c.get("/metrics").text
        assert c.get("/health").status_code == 200  # alive, just not ready
    assert logged(tmp_path) == []


def test_a_signer_trusted_only_for_import_may_not_serve(serving, tmp_path):
    catalogue = tmp_path / "catalogue"
    shutil.copytree(serving.catalogue, catalogue)
    policy = catalogue / "trust" / "onshore-hn.yaml"
    policy.write_text(policy.read_text().replace("- serve\n", ""))
    with TestClient(create_app(settings(serving, tmp_path, catalogue=catalogue))) as c:
        reasons = c.get("/ready").json()["reasons"]
        assert any("only for ['import']" in r for r in reasons)


def test_an_unusable_decision_log_keeps_the_service_not_ready(serving, tmp_path):
    (tmp_path / "a-file").write_text("")
    app = create_app(settings(serving, tmp_path, decision_log=str(tmp_path / "a-file" / "d.db")))
    with TestClient(app) as c:
        assert c.post("/predict", json={"rows": serving.rows(1)}).status_code == 503
        assert any(r.startswith("decision log") for r in c.get("/ready").json()["reasons"])


def test_the_shadow_is_scored_and_logged_but_never_returned(serving, tmp_path):
    with TestClient(create_app(settings(serving, tmp_path, shadow=serving.challenger))) as c:
        results = c.post("/predict", json={"rows": serving.rows(3)}).json()["results"]
        assert {r["role"] for r in results} == {"champion"}
        roles = [c.get("/ready").json()["models"][i]["role"] for i in range(2)]
    assert roles == ["champion", "shadow"]
    decisions = logged(tmp_path)
    assert [d.role for d in decisions] == ["champion"] * 3 + ["shadow"] * 3
    champion, shadow = decisions[:3], decisions[3:]
    assert [d.features_sha256 for d in champion] == [d.features_sha256 for d in shadow]
    assert [d.probability for d in champion] != [d.probability for d in shadow]
    assert champion[0].bundle_digest != shadow[0].bundle_digest


def test_the_canary_answers_its_share_of_application_ids(serving, tmp_path):
    app = create_app(settings(serving, tmp_path, canary=serving.challenger, canary_fraction=0.5))
    ids = [f"APP-{i}" for i in range(40)]
    rows = serving.rows(40)
    with TestClient(app) as c:
        first = c.post("/predict", json={"rows": rows, "application_ids": ids}).json()["results"]
        again = c.post("/predict", json={"rows": rows, "application_ids": ids}).json()["results"]
        anonymous = c.post("/predict", json={"rows": rows}).json()["results"]
    roles = [r["role"] for r in first]
    assert 5 < roles.count("canary") < 35
    assert roles == [r["role"] for r in again]  # stable per application id
    assert {r["role"] for r in anonymous} == {"champion"}
    canary = [i for i, r in enumerate(roles) if r == "canary"]
    expected = np.array(serving.golden["expected"]["probability"][:40])
    got = np.array([r["probability_of_default"] for r in first])
    champion_rows = [i for i in range(40) if i not in canary]
    np.testing.assert_allclose(got[champion_rows], expected[champion_rows], atol=1e-9)
    assert not np.allclose(got[canary], expected[canary], atol=1e-6)


def test_the_openapi_document_describes_the_contract_with_examples(client, serving):
    doc = client.get("/openapi.json").json()
    assert {"/health", "/ready", "/version", "/predict", "/score", "/explain",
            "/metrics"} <= set(doc["paths"])
    body = doc["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]
    named = body["schema"]["properties"]["rows"]["items"]["oneOf"][0]
    assert named["properties"]["AGE"]["maximum"] == 100
    assert set(named["required"]) == set(serving.golden["columns"])
    assert body["examples"]["named"]["value"]["rows"][0] == serving.rows(1)[0]
    assert "422" in doc["paths"]["/predict"]["post"]["responses"]
    explain = doc["paths"]["/explain"]["post"]
    (top_n,) = explain["parameters"]
    assert (top_n["name"], top_n["in"]) == ("top_n", "query")
    assert {"200", "422", "503"} <= set(explain["responses"])
    assert "parameters" not in doc["paths"]["/score"]["post"]


def test_a_failure_the_scoring_path_did_not_expect_is_a_logged_500_not_a_dropped_connection(
        serving, tmp_path, monkeypatch, caplog):
    from service.scoring import Scorer

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(Scorer, "decide", broken)
    with TestClient(create_app(settings(serving, tmp_path)), raise_server_exceptions=False) as c:
        r = c.post("/predict", json={"rows": serving.rows(1)}, headers={"x-request-id": "bug-1"})
        assert r.status_code == 500 and r.json()["error"] == "internal_error"
        assert r.headers["x-request-id"] == "bug-1"
        assert 'seawall_http_requests_total{endpoint="/predict",model_version="1",status="500"}' \
            in c.get("/metrics").text
    assert "a bug" in caplog.text and "Traceback" in caplog.text
    assert logged(tmp_path) == []
