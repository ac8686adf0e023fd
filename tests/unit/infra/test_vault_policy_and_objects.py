"""Pure parts of the stacks, without Pulumi: Vault policy text, labels, security contexts."""

from __future__ import annotations

import pytest

from infra.k8s_objects import vault_agent_annotations
from infra.labels import vault_kv_mount, vault_secret_path
from infra.vault_policy import readable_mounts, vault_policy_hcl
from regions import Tier


@pytest.mark.parametrize(("region", "tier"), [("onshore-hn", Tier.SERVING),
                                              ("onshore-hcm", Tier.SERVING),
                                              ("offshore-sg", Tier.TRAINING)])
def test_a_policy_reaches_only_its_own_regions_mount(catalogue, region, tier):
    hcl = vault_policy_hcl(catalogue.get(region), tier)
    assert readable_mounts(hcl) == {f"seawall/{region}"}
    assert f'"seawall/{region}/data/{tier.value}/*"' in hcl
    assert '"read"' in hcl and "create" not in hcl and "update" not in hcl


def test_no_offshore_policy_names_an_onshore_mount(catalogue):
    onshore = {vault_kv_mount(r) for r in catalogue if r.onshore}
    for region in catalogue:
        if not region.onshore:
            for tier in region.tiers:
                assert not readable_mounts(vault_policy_hcl(region, tier)) & onshore


def test_vault_agent_renders_each_secret_to_a_private_file(catalogue):
    region = catalogue.get("onshore-hn")
    path = vault_secret_path(region, Tier.SERVING, "decision-log")
    notes = vault_agent_annotations("role-x", "kubernetes-onshore-hn", {"db-url": path})
    assert notes["vault.hashicorp.com/auth-path"] == "auth/kubernetes-onshore-hn"
    assert notes["vault.hashicorp.com/agent-inject-secret-db-url"] == \
        "seawall/onshore-hn/data/serving/decision-log"
    assert notes["vault.hashicorp.com/agent-inject-perms-db-url"] == "0400"
    assert f'secret "{path}"' in notes["vault.hashicorp.com/agent-inject-template-db-url"]


def test_rendered_files_are_numbered_the_same_whatever_order_the_engine_registers_them():
    from infra.rendering import apply_order

    objects = [{"kind": k, "metadata": {"name": "seawall-serving"}}
               for k in ("ServiceMonitor", "PrometheusRule", "Deployment", "Namespace")]
    orders = {tuple(o["kind"] for o in sorted(perm, key=apply_order))
              for perm in (objects, objects[::-1], objects[1:] + objects[:1])}
    assert orders == {("Namespace", "Deployment", "PrometheusRule", "ServiceMonitor")}
