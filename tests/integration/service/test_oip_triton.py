"""A stock Open Inference Protocol client (tritonclient's HTTP client, from PyPI) scores
against a real `seawall serve` unchanged: health, metadata, binary and JSON tensors, errors."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
import tritonclient.http as triton
from server_helpers import start
from tritonclient.utils import InferenceServerException

from artifacts.ledger import open_store


@pytest.fixture(scope="module")
def server(serving, tmp_path_factory):
    root = tmp_path_factory.mktemp("triton")
    server = start(serving, root)
    yield server, root
    server.stop()


def inputs(client, model: str, serving, rows: int, binary: bool) -> list:
    meta = client.get_model_metadata(model)
    kinds = {i["name"]: i["datatype"] for i in meta["inputs"]}
    columns, data = serving.golden["columns"], serving.golden["rows"][:rows]
    made = []
    for j, name in enumerate(columns):
        values = [r[j] for r in data]
        array = (np.array(values, dtype=np.float64) if kinds[name] == "FP64" else
                 np.array([str(v).encode() for v in values], dtype=np.object_))
        tensor = triton.InferInput(name, [rows], kinds[name])
        tensor.set_data_from_numpy(array, binary_data=binary)
        made.append(tensor)
    return made


@pytest.mark.parametrize("binary", [True, False])
def test_tritonclient_scores_against_seawall_unchanged(server, serving, binary):
    srv, root = server
    client = triton.InferenceServerClient(url=srv.url.removeprefix("http://"))
    name = _served_model(srv)
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready(name)
    assert client.get_model_metadata(name)["outputs"][0]["name"] == "probability_of_default"
    result = client.infer(name, inputs(client, name, serving, 25, binary),
                          outputs=[triton.InferRequestedOutput("probability_of_default",
                                                               binary_data=binary)],
                          request_id=f"triton-{binary}")
    np.testing.assert_allclose(result.as_numpy("probability_of_default"),
                               serving.golden["expected"]["probability"][:25], atol=1e-9)
    store = open_store(str(root / "home" / "regions" / "onshore-hn" / "decisions.db"))
    logged = [r.decision for r in store.records() if r.decision.endpoint == "predict"]
    store.close()
    assert len(logged) >= 25


def test_tritonclient_sees_the_protocols_errors(server, serving):
    srv, _ = server
    client = triton.InferenceServerClient(url=srv.url.removeprefix("http://"))
    name = _served_model(srv)
    with pytest.raises(InferenceServerException, match="no model 'elsewhere'"):
        client.infer("elsewhere", inputs(client, name, serving, 2, True))
    short = inputs(client, name, serving, 2, True)[1:]
    with pytest.raises(InferenceServerException, match="missing input tensor"):
        client.infer(name, short)


def _served_model(srv) -> str:
    return httpx.get(f"{srv.url}/version").json()["models"][0]["model"]
