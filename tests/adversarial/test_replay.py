"""Replaying validly signed bundles at an onshore import: an older version, the same version
rebuilt, or the same bundle under another name, each refused naming the earlier import; the
newer version still goes in. (TUF's rollback-attack rule; a deliberate rollback is a promotion.)"""

from __future__ import annotations

import shutil

import pytest

from artifacts.errors import ReplayError
from artifacts.factory import TrainRequest, build_candidate
from artifacts.registry import InMemoryRegistry, MlflowRegistry, import_bundle, sqlite_uri
from artifacts.signing import Method, SignRequest, sign_bundle
from regions import load_catalogue, region_home

REGION = "onshore-hn"


@pytest.fixture(scope="module")
def versions(serving, tmp_path_factory):
    """Signed versions 1 and 2 of one model, by the key onshore-hn trusts."""
    root = tmp_path_factory.mktemp("replay")
    data = root / "credit.csv"
    shutil.copy(serving.root / "credit.csv", data)
    made = [build_candidate(TrainRequest(region="offshore-sg", home=root / "offshore",
                                         data=data, seed=seed)).bundle for seed in (1, 2)]
    for bundle in made:
        sign_bundle(SignRequest(bundle=bundle, method=Method.KEY, home=serving.home))
    return made


def importer(serving, home, registry):
    catalogue = load_catalogue(serving.catalogue)
    return lambda bundle: import_bundle(bundle, catalogue=catalogue, region=REGION, home=home,
                                        registry=registry)


def test_an_older_signed_version_is_refused_after_a_newer_one(serving, versions, tmp_path):
    v1, v2 = versions
    registry = InMemoryRegistry()
    do = importer(serving, tmp_path, registry)
    assert do(v2).version == "1"
    with pytest.raises(ReplayError) as e:
        do(v1)
    message = str(e.value)
    assert "signed version 1 is not newer than signed version 2" in message
    assert "registry version 1" in message and "through promotion" in message
    assert registry.aliased("uci-credit-default", "pending-validation")[0] == "1"
    assert not (region_home(tmp_path, REGION) / "bundles" / v1.name).exists()


def test_the_same_version_signed_again_from_other_bytes_is_refused(serving, versions,
                                                                   tmp_path):
    v1, _ = versions
    do = importer(serving, tmp_path, InMemoryRegistry())
    do(v1)
    # The session's champion is also signed as version 1 of the model, from other bytes.
    with pytest.raises(ReplayError, match="signed version 1 is not newer than signed version 1"):
        do(serving.champion)


def test_the_same_bundle_under_another_name_is_refused_naming_its_import(serving, versions,
                                                                         tmp_path):
    v1, _ = versions
    do = importer(serving, tmp_path, InMemoryRegistry())
    do(v1)
    renamed = tmp_path / "renamed-copy"
    shutil.copytree(v1, renamed)
    with pytest.raises(ReplayError, match="already imported into onshore-hn as "
                                          "uci-credit-default version 1 .signed version 1"):
        do(renamed)


def test_versions_in_order_go_in_and_are_recorded_in_mlflow(serving, versions, tmp_path):
    v1, v2 = versions
    home = tmp_path
    store = region_home(home, REGION)
    do = importer(serving, home, None)  # the region's real MLflow registry
    assert [do(v).version for v in (v1, v2)] == ["1", "2"]
    recorded = MlflowRegistry(sqlite_uri(store)).versions("uci-credit-default")
    assert [tags["seawall.origin_version"] for _, tags in recorded] == ["1", "2"]
    assert all(len(tags["seawall.manifest_sha256"]) == 64 for _, tags in recorded)
    older = tmp_path / "older-copy"  # another name: the bundle directory check does not apply
    shutil.copytree(v1, older)
    with pytest.raises(ReplayError, match="version 1 .signed version 1"):
        do(older)
