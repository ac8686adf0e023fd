"""Loading a brought model: skops with its trusted-types check, a pickle only when trusted,
MLflow URIs of the three documented shapes; every refusal is a ModelSourceError naming the
file and what to do, never a traceback, whatever bytes the file holds."""

from __future__ import annotations

import joblib
import numpy as np
import pytest
import skops.io as sio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from artifacts.errors import ModelSourceError
from artifacts.factory.model_sources import load_from_file, load_from_mlflow


class BankTransformer(TransformerMixin, BaseEstimator):
    """A bank's own step: skops does not know it, so it is untrusted until vouched for."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    return Pipeline([("own", BankTransformer()), ("m", LogisticRegression())]).fit(
        x, (x[:, 0] > 0).astype(int))


def test_a_skops_file_with_an_unknown_type_is_refused_until_vouched_for(model, tmp_path):
    path = tmp_path / "m.skops"
    sio.dump(model, path)
    with pytest.raises(ModelSourceError) as e:
        load_from_file(path)
    name = f"{BankTransformer.__module__}.BankTransformer"
    assert name in str(e.value) and "--trust-type" in str(e.value)
    loaded, facts = load_from_file(path, trusted_types=(name,))
    assert isinstance(loaded.steps[0][1], BankTransformer)
    assert facts["kind"] == "skops file" and name in facts["trusted_types"]


def test_a_pickle_needs_trust_pickle_and_the_lineage_says_so(model, tmp_path):
    path = tmp_path / "m.pkl"
    joblib.dump(model, path)
    with pytest.raises(ModelSourceError, match="runs whatever code it holds"):
        load_from_file(path)
    loaded, facts = load_from_file(path, trust_pickle=True)
    assert facts == {"kind": "pickle file", "file": "m.pkl", "trust_pickle": True}
    assert loaded.predict_proba(np.zeros((1, 3))).shape == (1, 2)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("m.onnx", b"x", "unknown pipeline file type '.onnx'"),
    ("m.skops", b"not a zip", "not a readable skops file"),
    ("m.pkl", b"\x80\x05not a pickle", "cannot load the pickle"),
])
def test_a_file_that_is_not_a_model_is_named(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ModelSourceError, match=message):
        load_from_file(path, trust_pickle=True)
    with pytest.raises(ModelSourceError, match="pipeline file not found"):
        load_from_file(tmp_path / "missing.skops")


@pytest.mark.parametrize("uri", ["models:/credit", "models:/credit/latest", "s3://b/m",
                                 "runs:/abc/model", "models:/credit@"])
def test_an_mlflow_uri_of_another_shape_is_refused(uri):
    with pytest.raises(ModelSourceError, match="models:/<name>/<version>"):
        load_from_mlflow(uri)


def test_an_mlflow_model_that_is_not_there_is_mlflows_refusal(tmp_path):
    with pytest.raises(ModelSourceError, match="MLflow refused"):
        load_from_mlflow("models:/nothing/1", tracking_uri=f"sqlite:///{tmp_path / 'm.db'}")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=2000), zipped=st.booleans())
def test_any_bytes_as_a_skops_file_are_refused_with_a_reason(tmp_path, content, zipped):
    # (Not pickles: unpickling is trusted code by definition, which is why it needs the flag.)
    path = tmp_path / "fuzz.skops"
    if zipped:  # a real zip whose schema.json is junk
        import zipfile

        with zipfile.ZipFile(path, "w") as z:
            z.writestr("schema.json", content)
    else:
        path.write_bytes(content)
    with pytest.raises(ModelSourceError):
        load_from_file(path)
