"""The secrets interface: the local file store (embedded default), the in-memory fake, the
store URL, and `secret:` references resolved by the decision log."""

from __future__ import annotations

import os
import stat

import pytest

from regions.errors import SecretError
from regions.secrets import (
    InMemorySecretStore,
    LocalSecretStore,
    open_secret_store,
    resolve_secret,
)


def test_local_store_writes_private_files_and_reads_them_back(tmp_path):
    store = LocalSecretStore(tmp_path / "secrets")
    store.put("decision-log-url", "postgresql://app:pw@db/decisions")
    path = tmp_path / "secrets" / "decision-log-url"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert store.get("decision-log-url") == "postgresql://app:pw@db/decisions"
    store.put("decision-log-url", "sqlite:///x")  # replaced atomically, no temp file left
    assert store.names() == ["decision-log-url"]
    assert store.get("decision-log-url") == "sqlite:///x"


def test_local_store_refuses_a_file_others_can_read(tmp_path):
    store = LocalSecretStore(tmp_path)
    store.put("token", "abc")
    os.chmod(tmp_path / "token", 0o644)
    with pytest.raises(SecretError, match=r"readable by group or others \(mode 644\).*chmod 600"):
        store.get("token")


def test_missing_secret_and_bad_names_are_clear_and_never_echo_values(tmp_path):
    store = LocalSecretStore(tmp_path)
    with pytest.raises(SecretError, match="secret .nope. not found .*seawall secrets set nope"):
        store.get("nope")
    for bad in ("../etc/passwd", "Upper", "", ".hidden"):
        with pytest.raises(SecretError, match="secret name"):
            store.put(bad, "value")


def test_store_urls_choose_the_backend(tmp_path, monkeypatch):
    assert isinstance(open_secret_store(f"file://{tmp_path}"), LocalSecretStore)
    assert open_secret_store(f"file://{tmp_path}").directory == tmp_path
    assert isinstance(open_secret_store("memory://"), InMemorySecretStore)
    monkeypatch.setenv("SEAWALL_SECRETS", f"file://{tmp_path}/env")
    assert open_secret_store().directory == tmp_path / "env"
    with pytest.raises(SecretError, match="unsupported secret store 's3://'"):
        open_secret_store("s3://bucket")
    with pytest.raises(SecretError, match=r"needs \?mount=.*unknown: colour"):
        open_secret_store("vault+https://vault:8200?colour=red")


def test_vault_token_auth_without_a_token_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("VAULT_TOKEN", raising=False)
    with pytest.raises(SecretError, match="set VAULT_TOKEN"):
        open_secret_store("vault+https://vault.invalid:8200?mount=seawall/onshore-hn")


def test_references_resolve_and_plain_values_pass_through():
    store = InMemorySecretStore({"db": "postgresql://u:p@h/d"})
    assert resolve_secret("secret:db", store) == "postgresql://u:p@h/d"
    assert resolve_secret("/var/lib/decisions.db", store) == "/var/lib/decisions.db"
    with pytest.raises(SecretError, match="secret 'other' not found"):
        resolve_secret("secret:other", store)


def test_the_decision_log_url_can_come_from_the_secret_store(tmp_path, monkeypatch):
    from artifacts.errors import LedgerError
    from artifacts.ledger import open_store

    LocalSecretStore(tmp_path / "s").put("decision-log-url", str(tmp_path / "decisions.db"))
    monkeypatch.setenv("SEAWALL_SECRETS", f"file://{tmp_path}/s")
    open_store("secret:decision-log-url").close()
    assert (tmp_path / "decisions.db").is_file()
    with pytest.raises(LedgerError, match="decision log: secret 'absent' not found"):
        open_store("secret:absent")
