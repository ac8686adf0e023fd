"""Each area's face: `__all__` lists exactly its public names, and every listed name loads."""

from __future__ import annotations

import importlib

import pytest

FACES = ["regions", "artifacts", "artifacts.bundle", "artifacts.signing", "artifacts.factory",
         "artifacts.registry", "artifacts.ledger", "service", "monitoring", "reporting",
         "infra"]


@pytest.mark.parametrize("area", FACES)
def test_all_matches_public_names(area):
    module = importlib.import_module(area)
    exported = set(module.__all__)
    assert len(exported) == len(module.__all__), "a name is listed twice"
    assert all(hasattr(module, name) for name in exported)  # loads the lazy ones too
    public = {n for n, v in vars(module).items()
              if not n.startswith("_") and not isinstance(v, type(importlib))}
    assert public == exported, f"{area}: public but unlisted {public - exported}, " \
                               f"listed but missing {exported - public}"
    assert set(dir(module)) >= exported
