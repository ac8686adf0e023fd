"""The onshore import against the in-memory registry: the same contract as MLflow's (which
tests/integration/test_import.py checks), so the import's own rules are tested without it."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from artifacts.errors import ReplayError
from artifacts.registry import PENDING_ALIAS, InMemoryRegistry, import_bundle
from regions import load_catalogue

REGION = "onshore-hn"


def test_an_import_registers_the_next_version_with_the_verified_digest(serving, tmp_path):
    registry = InMemoryRegistry()
    imported = import_bundle(serving.champion, catalogue=load_catalogue(serving.catalogue),
                             region=REGION, home=tmp_path, registry=registry)
    assert (imported.version, imported.alias) == ("1", PENDING_ALIAS)
    version, tags = registry.aliased(imported.model_name, PENDING_ALIAS)
    digest = hashlib.sha256((serving.champion / "manifest.json").read_bytes()).hexdigest()
    assert version == "1" and tags["seawall.manifest_sha256"] == digest
    assert tags["seawall.trusted_as"] == "offshore-release"
    assert not (tmp_path / "regions" / REGION / "mlflow.db").exists()  # no MLflow was opened


def test_the_same_signed_bundle_under_another_name_is_refused_naming_the_version(serving,
                                                                                 tmp_path):
    registry, catalogue = InMemoryRegistry(), load_catalogue(serving.catalogue)
    import_bundle(serving.champion, catalogue=catalogue, region=REGION, home=tmp_path,
                  registry=registry)
    again = tmp_path / "renamed"
    shutil.copytree(serving.champion, again)
    with pytest.raises(ReplayError, match="already imported into onshore-hn as .* version 1"):
        import_bundle(again, catalogue=catalogue, region=REGION, home=tmp_path,
                      registry=registry)
    assert [v for m in registry.models.values() for v in m.versions] == ["1"]


def test_a_failure_while_registering_leaves_no_version_no_alias_no_bundle(serving, tmp_path,
                                                                          monkeypatch):
    registry = InMemoryRegistry()

    def broken_rename(*_):
        raise OSError("disk full")

    monkeypatch.setattr("artifacts.registry.bundle_import.os.rename", broken_rename)
    with pytest.raises(OSError, match="disk full"):
        import_bundle(serving.champion, catalogue=load_catalogue(serving.catalogue),
                      region=REGION, home=tmp_path, registry=registry)
    assert registry.models == {}
    assert list((tmp_path / "regions" / REGION / "bundles").iterdir()) == []
