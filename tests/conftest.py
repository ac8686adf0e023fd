"""Shared fixtures: small real data sets, an isolated Seawall home, a copy of the catalogue."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from artifacts import synthesize
from regions import PACKAGED_CATALOGUE

SMALL_ROWS = 2_000


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
