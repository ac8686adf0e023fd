"""Shared values for the infra tests: the shipped stack files and a valid config to vary."""

from __future__ import annotations

import pytest
from infra_values import DIGEST, IMAGE, PROJECT, STACKS

from infra import load_stack, plan_stack
from regions import load_catalogue


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue()


@pytest.fixture
def onshore_values() -> dict:
    """A complete, valid onshore config (keys without the `seawall:` namespace)."""
    return {"region": "onshore-hn", "image": IMAGE,
            "bundleUri": "pvc://seawall-bundles/uci/1.0.0", "bundleDigest": DIGEST,
            "vaultAddress": "https://vault.hn.example.vn:8200", "vaultCidr": "10.10.250.0/28",
            "artifactStoreCidr": "10.10.251.0/24", "dataClasses": ["pii", "anonymous"],
            "jwtIssuer": "https://idp.example.vn/realms/credit",
            "decisionLogImage": f"ghcr.io/cloudnative-pg/postgresql@{DIGEST}",
            "decisionLogEndpoint": "pg.hn.example.vn", "drPairEndpoint": "pg.hcm.example.vn"}


@pytest.fixture(scope="session")
def plans():
    """Each shipped stack planned under Pulumi's mocks, once per session."""
    return {stack: plan_stack(load_stack(stack, PROJECT)) for stack in STACKS}
