"""Runtime secrets behind one small interface: a local directory (embedded default) or Vault.

    store = open_secret_store()            # $SEAWALL_SECRETS, else file://.seawall/secrets
    url = resolve_secret("secret:decision-log-url")

`file:///dir`: one file per secret, 0600 in a 0700 directory; a file others can read is
refused, not used. On Kubernetes the Vault agent renders each secret to a file under
/vault/secrets, so the service reads it with this same backend.
`vault+https://host:8200?mount=seawall/onshore-hn&prefix=serving&auth=kubernetes&role=R`:
HashiCorp Vault KV v2 through hvac, logging in with the pod's service-account token
(`auth=kubernetes`, `auth_mount=`, default `kubernetes`) or with $VAULT_TOKEN (`auth=token`).
`memory://`: an in-process store for tests of the layers above.
Secret values never appear in messages, logs or reprs.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from regions.errors import SecretError

SECRETS_ENV = "SEAWALL_SECRETS"
DEFAULT_STORE = "file://.seawall/secrets"
REFERENCE_PREFIX = "secret:"
SERVICE_ACCOUNT_TOKEN = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")


class SecretStore(Protocol):
    """Where secrets live; every backend reads, writes and lists by name."""

    location: str

    def get(self, name: str) -> str: ...

    def put(self, name: str, value: str) -> None: ...

    def names(self) -> list[str]: ...


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise SecretError(f"secret name {name!r}: use lowercase letters, digits, '.', '_' and "
                          "'-' (at most 128), starting with a letter or digit")
    return name


class LocalSecretStore:
    """One file per secret in a private directory (0700, files 0600, written atomically)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.location = f"file://{directory}"

    def get(self, name: str) -> str:
        path = self.directory / _check_name(name)
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            raise SecretError(f"secret '{name}' not found in {self.location} (set it with "
                              f"`seawall secrets set {name}`)") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SecretError(f"{path}: readable by group or others (mode "
                              f"{stat.S_IMODE(mode):o}); refusing to use it. Run chmod 600 {path}")
        return path.read_text(encoding="utf-8").rstrip("\n")

    def put(self, name: str, value: str) -> None:
        _check_name(name)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=self.directory)  # created 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(value)
            os.replace(tmp, self.directory / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def names(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.name for p in self.directory.iterdir()
                      if p.is_file() and _NAME.match(p.name))


class InMemorySecretStore:
    """A store in a dict, for tests of the code that reads secrets (never for production)."""

    location = "memory://"

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self._values = dict(values or {})

    def get(self, name: str) -> str:
        try:
            return self._values[_check_name(name)]
        except KeyError:
            raise SecretError(f"secret '{name}' not found in memory://") from None

    def put(self, name: str, value: str) -> None:
        self._values[_check_name(name)] = value

    def names(self) -> list[str]:
        return sorted(self._values)


class VaultSecretStore:
    """KV v2 secrets `<mount>/<prefix>/<name>` (field `value`) in HashiCorp Vault, via hvac."""

    def __init__(self, *, address: str, mount: str, prefix: str = "", auth: str = "token",
                 role: str | None = None, auth_mount: str = "kubernetes",
                 token_path: Path = SERVICE_ACCOUNT_TOKEN, verify: bool | str = True) -> None:
        import hvac  # only the Vault backend needs it

        self.location = f"vault {address} {mount}/{prefix}".rstrip("/")
        self.mount, self.prefix = mount, prefix.strip("/")
        self._client = hvac.Client(url=address, verify=verify)
        try:
            if auth == "token":
                token = os.environ.get("VAULT_TOKEN")
                if not token:
                    raise SecretError("Vault token auth: set VAULT_TOKEN (or use auth=kubernetes)")
                self._client.token = token
            elif auth == "kubernetes":
                if not role:
                    raise SecretError("Vault kubernetes auth needs role=<vault role>")
                jwt = token_path.read_text(encoding="utf-8").strip()
                self._client.auth.kubernetes.login(role=role, jwt=jwt, mount_point=auth_mount)
            else:
                raise SecretError(f"Vault auth '{auth}': use token or kubernetes")
        except (OSError, hvac.exceptions.VaultError) as e:
            raise SecretError(f"{self.location}: login failed ({type(e).__name__}: {e})") from None

    def _path(self, name: str) -> str:
        return f"{self.prefix}/{_check_name(name)}" if self.prefix else _check_name(name)

    def get(self, name: str) -> str:
        import hvac

        try:
            answer = self._client.secrets.kv.v2.read_secret_version(
                path=self._path(name), mount_point=self.mount, raise_on_deleted_version=True)
        except hvac.exceptions.InvalidPath:
            raise SecretError(f"secret '{name}' not found in {self.location}") from None
        except (OSError, hvac.exceptions.VaultError) as e:
            raise SecretError(f"{self.location}: reading '{name}' failed "
                              f"({type(e).__name__})") from None
        value = answer["data"]["data"].get("value")
        if not isinstance(value, str):
            raise SecretError(f"secret '{name}' in {self.location} has no string field 'value'")
        return value

    def put(self, name: str, value: str) -> None:
        import hvac

        try:
            self._client.secrets.kv.v2.create_or_update_secret(
                path=self._path(name), secret={"value": value}, mount_point=self.mount)
        except (OSError, hvac.exceptions.VaultError) as e:
            raise SecretError(f"{self.location}: writing '{name}' failed "
                              f"({type(e).__name__})") from None

    def names(self) -> list[str]:
        import hvac

        try:
            answer = self._client.secrets.kv.v2.list_secrets(path=self.prefix,
                                                             mount_point=self.mount)
        except hvac.exceptions.InvalidPath:
            return []
        return sorted(k for k in answer["data"]["keys"] if not k.endswith("/"))


def open_secret_store(url: str | None = None) -> SecretStore:
    """The store `url` names (default $SEAWALL_SECRETS, then file://.seawall/secrets)."""
    url = url or os.environ.get(SECRETS_ENV) or DEFAULT_STORE
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalSecretStore(Path(parts.netloc + parts.path))
    if parts.scheme == "memory":
        return InMemorySecretStore()
    if parts.scheme in ("vault+https", "vault+http"):
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = sorted(set(query) - {"mount", "prefix", "auth", "role", "auth_mount"})
        if unknown or "mount" not in query:
            raise SecretError(f"{SECRETS_ENV}: Vault URL needs ?mount=<kv mount> and takes "
                              "prefix, auth, role, auth_mount" + (
                                  f" (unknown: {', '.join(unknown)})" if unknown else ""))
        scheme = parts.scheme.removeprefix("vault+")
        return VaultSecretStore(address=f"{scheme}://{parts.netloc}", **query)
    raise SecretError(f"{SECRETS_ENV}: unsupported secret store '{parts.scheme}://' (use "
                      "file:///dir, vault+https://host:8200?mount=..., or memory://)")


def resolve_secret(value: str, store: SecretStore | None = None) -> str:
    """`secret:<name>` -> the secret's value from `store` (default store); other values as-is."""
    if not value.startswith(REFERENCE_PREFIX):
        return value
    return (store or open_secret_store()).get(value.removeprefix(REFERENCE_PREFIX))
