"""`import_bundle` into an onshore region's real MLflow SQLite registry."""

from __future__ import annotations

import json
import shutil

import pytest
from mlflow.tracking import MlflowClient
from signing_helpers import rewrite, trust_key

from artifacts.errors import BundleError, RegistryError, ReplayError, VerificationError
from artifacts.registry import PENDING_ALIAS, import_bundle, region_registry, sqlite_uri
from artifacts.signing import SignRequest, sign_bundle
from regions import ResidencyError, load_catalogue, region_home

REGION = "onshore-hn"


@pytest.fixture
def setup(bundle, tmp_path, catalogue_dir):
    signer = tmp_path / "signer"
    trust_key(catalogue_dir, REGION, signer)
    sign_bundle(SignRequest(bundle=bundle, home=signer))
    home = tmp_path / "onshore"
    return bundle, load_catalogue(catalogue_dir), home


def _client(home):
    uri = sqlite_uri(region_home(home, REGION))
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _leftovers(home):
    store = region_home(home, REGION) / "bundles"
    return sorted(p.name for p in store.iterdir()) if store.exists() else []


def test_import_registers_a_pending_version_with_the_report(setup):
    bundle, catalogue, home = setup
    imported = import_bundle(bundle, catalogue=catalogue, region=REGION, home=home)
    assert imported.report.passed and imported.report.check("against").passed
    client = _client(home)
    version = client.get_model_version_by_alias("uci-credit-default", PENDING_ALIAS)
    assert str(version.version) == imported.version == "1"
    assert version.tags["seawall.trusted_as"] == "offshore-release"
    path = client.download_artifacts(version.run_id, "verification/report.json")
    report = json.loads(open(path).read())
    assert report["passed"] is True and report["region"] == REGION
    assert (imported.bundle / "model.sig").is_file() and _leftovers(home) == [bundle.name]
    with pytest.raises(BundleError, match="already holds a bundle"):
        import_bundle(bundle, catalogue=catalogue, region=REGION, home=home)
    registry, _ = region_registry(home, REGION)  # promotions move aliases the same way
    registry.move_alias("uci-credit-default", "staging", "1")
    registry.drop_alias("uci-credit-default", PENDING_ALIAS)
    registry.drop_alias("uci-credit-default", "never-set")
    assert registry.aliases("uci-credit-default") == {"staging": "1"}
    with pytest.raises(RegistryError, match="no version 2"):
        registry.move_alias("uci-credit-default", "production", "2")


def test_a_tampered_bundle_is_refused_and_leaves_nothing_behind(setup):
    bundle, catalogue, home = setup
    (bundle / "model.onnx").write_bytes((bundle / "model.onnx").read_bytes() + b"\0")
    with pytest.raises(VerificationError) as e:
        import_bundle(bundle, catalogue=catalogue, region=REGION, home=home)
    assert "digests: model.onnx: changed" in str(e.value)
    assert e.value.report is not None and not e.value.report.passed
    assert _leftovers(home) == []
    assert _client(home).search_model_versions("name = 'uci-credit-default'") == []


def test_a_failure_after_registration_rolls_back_and_restores_the_alias(setup, monkeypatch,
                                                                         tmp_path, pristine_bundle):
    bundle, catalogue, home = setup
    first = import_bundle(bundle, catalogue=catalogue, region=REGION, home=home)
    second = tmp_path / "again" / "uci-credit-default-v2"
    shutil.copytree(pristine_bundle, second)
    rewrite(second, "model_card.json", lambda c: c.update(owner="second"))
    manifest = json.loads((second / "manifest.json").read_text())
    manifest["model"]["version"] = "2"  # a newer signed version: not refused as a replay
    (second / "manifest.json").write_text(json.dumps(manifest))
    sign_bundle(SignRequest(bundle=second, home=tmp_path / "signer"))

    def broken_rename(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("artifacts.registry.bundle_import.os.rename", broken_rename)
    with pytest.raises(OSError):
        import_bundle(second, catalogue=catalogue, region=REGION, home=home)
    client = _client(home)
    versions = client.search_model_versions("name = 'uci-credit-default'")
    assert [str(v.version) for v in versions] == [first.version]
    pending = client.get_model_version_by_alias("uci-credit-default", PENDING_ALIAS)
    assert str(pending.version) == "1"
    assert _leftovers(home) == [bundle.name]


def test_the_same_bundle_under_another_name_is_refused_as_already_imported(setup, tmp_path):
    bundle, catalogue, home = setup
    import_bundle(bundle, catalogue=catalogue, region=REGION, home=home)
    renamed = tmp_path / "renamed"
    shutil.copytree(bundle, renamed)
    with pytest.raises(ReplayError, match="already imported into onshore-hn as "
                                          "uci-credit-default version 1"):
        import_bundle(renamed, catalogue=catalogue, region=REGION, home=home)


def test_offshore_regions_cannot_import(setup):
    bundle, catalogue, home = setup
    with pytest.raises(ResidencyError, match="does not allow the serving tier"):
        import_bundle(bundle, catalogue=catalogue, region="offshore-sg", home=home)
    assert not (home / "regions").exists()
