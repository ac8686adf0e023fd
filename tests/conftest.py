"""Shared fixtures: small real data sets, an isolated Seawall home, a copy of the catalogue."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from artifacts.factory import ModelFamily, TrainRequest, build_candidate, synthesize
from artifacts.signing import Method, SignRequest, add_signer, ensure_local_key, sign_bundle
from regions import PACKAGED_CATALOGUE

SMALL_ROWS = 2_000
KINDS = ("unit", "integration", "e2e", "adversarial")


def pytest_collection_modifyitems(items) -> None:
    """Each test carries the marker of its folder, so `-m "not e2e"` and the like select them."""
    for item in items:
        kind = next((k for k in KINDS if f"/tests/{k}/" in str(item.path)), None)
        if kind is not None:
            item.add_marker(kind)


@pytest.fixture(scope="session")
def small_frame():
    return synthesize(rows=SMALL_ROWS, seed=7)


@pytest.fixture
def small_csv(tmp_path: Path, small_frame) -> Path:
    path = tmp_path / "credit.csv"
    small_frame.to_csv(path, index=False)
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "seawall-home"


@pytest.fixture
def catalogue_dir(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(PACKAGED_CATALOGUE, target)
    return target


@pytest.fixture(scope="session")
def pristine_bundle(tmp_path_factory, small_frame) -> Path:
    """An unsigned bundle trained once on 2,000 rows; copy it before changing anything."""
    root = tmp_path_factory.mktemp("pristine")
    data = root / "credit.csv"
    small_frame.to_csv(data, index=False)
    return build_candidate(TrainRequest(region="offshore-sg", home=root / "home",
                                        data=data)).bundle


@dataclass(frozen=True)
class Serving:
    """A signed champion and challenger, and a catalogue whose onshore-hn policy trusts their
    signer for import and serve."""

    root: Path
    home: Path
    catalogue: Path
    champion: Path
    challenger: Path  # another model family, same contract
    golden: dict

    def rows(self, n: int | None = None) -> list[dict]:
        """Golden rows as named-field objects."""
        columns = self.golden["columns"]
        return [dict(zip(columns, r)) for r in self.golden["rows"][:n]]


@pytest.fixture(scope="session")
def serving(tmp_path_factory, small_frame, pristine_bundle) -> Serving:
    root = tmp_path_factory.mktemp("serving")
    home = root / "home"
    catalogue = root / "catalogue"
    shutil.copytree(PACKAGED_CATALOGUE, catalogue)
    data = root / "credit.csv"
    small_frame.to_csv(data, index=False)
    challenger = build_candidate(TrainRequest(region="offshore-sg", home=root / "offshore",
                                              data=data, family=ModelFamily.GBM)).bundle
    champion = root / "bundles" / "champion"
    shutil.copytree(pristine_bundle, champion)
    for bundle in (champion, challenger):
        sign_bundle(SignRequest(bundle=bundle, method=Method.KEY, home=home))
    key = ensure_local_key(home)
    add_signer(catalogue / "trust" / "onshore-hn.yaml", "onshore-hn", {
        "name": "offshore-release", "kind": "key", "fingerprint": key.fingerprint,
        "public_key": key.public.read_text(), "purposes": ["import", "serve"]})
    golden = json.loads((champion / "golden_set.json").read_text())
    return Serving(root, home, catalogue, champion, challenger, golden)
