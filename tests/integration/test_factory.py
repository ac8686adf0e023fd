"""`build_candidate` end to end on a real MLflow SQLite store and real onnxruntime."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import yaml
from mlflow.tracking import MlflowClient

from artifacts.bundle import (
    CONTENT_FILES,
    PROFILE_FILE,
    Contract,
    GoldenSet,
    ModelRef,
    OnnxScorer,
    ReferenceProfile,
    StagedBundle,
    golden_feeds,
    load_bundle,
    top_reasons,
)
from artifacts.errors import BundleError, DataError
from artifacts.factory import (
    EMBEDDED_SPEC,
    ModelFamily,
    TrainRequest,
    build_candidate,
    golden_frame,
)
from artifacts.registry import sqlite_uri
from regions import ResidencyError


def _client(home):
    return MlflowClient(tracking_uri=sqlite_uri(home), registry_uri=sqlite_uri(home))


def _versions(home, name="uci-credit-default"):
    return _client(home).search_model_versions(f"name = '{name}'")


def _leftovers(out):
    return sorted(p.name for p in out.iterdir()) if out.exists() else []


@pytest.fixture(scope="module")
def trained(tmp_path_factory, small_frame):
    root = tmp_path_factory.mktemp("factory")
    data = root / "credit.csv"
    small_frame.to_csv(data, index=False)
    home = root / "home"
    candidate = build_candidate(TrainRequest(region="offshore-sg", home=home, data=data,
                                             family=ModelFamily.GBM))
    return candidate, home, data


def test_candidate_is_registered_with_alias_run_and_lineage_tags(trained):
    candidate, home, data = trained
    client = _client(home)
    version = client.get_model_version_by_alias("uci-credit-default", "candidate")
    assert str(version.version) == candidate.registered.version == "1"
    run = client.get_run(version.run_id)
    tags = run.data.tags
    assert tags["seawall.data_sha256"] == load_bundle(candidate.bundle).manifest.lineage["data_sha256"]
    assert len(tags["seawall.lock_sha256"]) == 64
    assert tags["seawall.git_sha"] == "uncommitted" or len(tags["seawall.git_sha"]) == 40
    assert tags["seawall.origin_region"] == "offshore-sg"
    assert {"test_auc", "test_ks", "test_gini", "test_brier"} <= run.data.metrics.keys()
    assert 0.6 < run.data.metrics["test_auc"] < 0.95
    assert version.tags["seawall.preprocessor_sha256"] == \
        load_bundle(candidate.bundle).manifest.preprocessor_sha256


def test_training_leaves_no_registry_uri_in_the_environment(home, small_csv, monkeypatch):
    """mlflow.set_tracking_uri writes MLFLOW_TRACKING_URI, which every later subprocess (a
    `seawall serve`, a CLI call) would inherit: the registry restores the process as it was."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    build_candidate(TrainRequest(region="offshore-sg", home=home, data=small_csv))
    assert "MLFLOW_TRACKING_URI" not in os.environ
    assert "MLFLOW_REGISTRY_URI" not in os.environ


def test_bundle_holds_every_file_with_matching_digests(trained):
    candidate, _, _ = trained
    bundle = load_bundle(candidate.bundle)
    assert set(CONTENT_FILES) <= set(bundle.manifest.files)
    assert bundle.digest_problems() == []
    m = bundle.manifest
    assert m.model == ModelRef(name="uci-credit-default", version="1", family="gbm")
    assert m.mlflow["run_id"] == candidate.registered.run_id
    assert m.origin_region == "offshore-sg" and m.onnx["ir_version"] > 0
    card = bundle.document("model_card.json")
    assert card["preprocessor_sha256"] == m.preprocessor_sha256
    assert card["risk_tier"] == "high" and card["limitations"]
    assert "SEX" in card["data"]["excluded"] and "SEX" not in card["data"]["features"]
    assert not any(p.name.startswith(".") for p in candidate.bundle.parent.iterdir())


def test_the_signed_reference_profile_describes_the_validation_rows(trained):
    candidate, _, _ = trained
    bundle = load_bundle(candidate.bundle)
    assert PROFILE_FILE in bundle.manifest.files  # digested, so signed with the rest
    profile = ReferenceProfile.from_json(bundle.document(PROFILE_FILE), source=PROFILE_FILE)
    valid = candidate.trained.split.valid
    assert profile.rows == len(valid) and profile.source == "validation"
    assert profile.auc.auc == pytest.approx(candidate.trained.valid.auc, abs=1e-12)
    assert profile.auc.low < profile.auc.auc < profile.auc.high
    assert sum(profile.score.counts) == len(valid)
    contract = Contract.from_dict(bundle.document("contract.json"))
    assert set(profile.features) == set(contract.names)
    shipped = [c for f in profile.features.values() if f.numeric for c in f.numeric.counts if c]
    shipped += [c for f in profile.features.values() if f.categorical
                for c in f.categorical.categories.values()]
    assert min(shipped) >= profile.min_cell  # aggregates only: no small cell leaves
    assert [d.decile for d in profile.calibration] == list(range(1, 11))


def test_golden_set_replays_on_onnxruntime_with_identical_reasons(trained):
    bundle = load_bundle(trained[0].bundle)
    contract = Contract.from_dict(bundle.document("contract.json"))
    golden = GoldenSet.from_json(bundle.document("golden_set.json"))
    reasons = bundle.document("reason_codes.json")
    assert len(golden.rows) >= 1_000
    scorer = OnnxScorer.from_bytes(bundle.read("model.onnx"), contract)
    feeds = contract.onnx_feeds(golden_frame(golden, contract))
    numpy_only = golden_feeds(golden, contract)  # what the onshore side uses: no pandas
    assert feeds.keys() == numpy_only.keys()
    for name, column in feeds.items():
        assert column.dtype == numpy_only[name].dtype
        np.testing.assert_array_equal(column, numpy_only[name])
    got = scorer.probabilities(feeds)
    assert np.max(np.abs(got - np.array(golden.expected.probability))) <= 1e-5
    replayed = top_reasons(scorer.contributions(feeds, reasons["baseline"]), contract.names,
                           reasons["top_n"])
    assert replayed == golden.expected.reason_codes
    assert all(set(reasons["codes"][n]) == {"code", "en", "vi"} for n in contract.names)


def test_second_run_is_version_2_and_a_widened_range_bumps_the_minor(trained, tmp_path):
    _, home, data = trained
    spec = yaml.safe_load(EMBEDDED_SPEC.read_text())
    age = next(c for c in spec["columns"] if c["name"] == "AGE")
    age["range"] = [18, 120]
    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True))
    second = build_candidate(TrainRequest(region="offshore-sg", home=home, data=data,
                                          spec=spec_path))
    assert second.registered.version == "2"
    assert second.contract.version == "1.1.0"
    alias = _client(home).get_model_version_by_alias("uci-credit-default", "candidate")
    assert str(alias.version) == "2"


def test_personal_data_offshore_is_refused_before_anything_is_read_or_written(home, tmp_path):
    spec = yaml.safe_load(EMBEDDED_SPEC.read_text())
    spec["columns"][0]["data_class"] = "pseudonymous"  # ID linkable to a customer
    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True))
    absent = tmp_path / "never-opened.csv"  # were it opened first: "data file not found"
    with pytest.raises(ResidencyError, match="column 'ID' is pseudonymous"):
        build_candidate(TrainRequest(region="offshore-sg", home=home, data=absent,
                                     spec=spec_path))
    assert not home.exists()


def test_bad_data_leaves_no_registry_entry_and_no_bundle(home, small_frame, tmp_path):
    data = tmp_path / "bad.csv"
    small_frame.assign(AGE=small_frame["AGE"].where(small_frame.index != 5, 300)).to_csv(
        data, index=False)
    with pytest.raises(DataError, match="line 7, column 'AGE'"):
        build_candidate(TrainRequest(region="offshore-sg", home=home, data=data))
    assert not (home / "mlflow.db").exists() and _leftovers(home / "bundles") == []


def test_failure_while_committing_rolls_back_registry_and_staging(home, small_csv, monkeypatch):
    def refuse(self):
        raise BundleError(f"{self.final}: disk full (injected)")

    monkeypatch.setattr(StagedBundle, "commit", refuse)
    with pytest.raises(BundleError, match="injected"):
        build_candidate(TrainRequest(region="offshore-sg", home=home, data=small_csv))
    assert _versions(home) == []
    client = _client(home)
    assert client.search_runs([e.experiment_id for e in client.search_experiments()]) == []
    assert _leftovers(home / "bundles") == []


def test_training_needs_1000_rows(home, small_frame, tmp_path):
    data = tmp_path / "tiny.csv"
    small_frame.head(500).to_csv(data, index=False)
    with pytest.raises(DataError, match="500 rows; training needs at least 1,000"):
        build_candidate(TrainRequest(region="offshore-sg", home=home, data=data))


@pytest.mark.slow
def test_full_default_data_set_trains_both_families(home):
    for family in ModelFamily:
        candidate = build_candidate(TrainRequest(region="offshore-sg", home=home, family=family))
        assert candidate.dataset_rows == 30_000
        assert candidate.parity.max_abs_diff <= 1e-5 and candidate.parity.rows == 5_000
        assert candidate.trained.test.auc > 0.7
        manifest = json.loads((candidate.bundle / "manifest.json").read_text())
        assert manifest["lineage"]["data_file"].startswith("uci-credit-synthetic-30000")
