"""What a region's model registry must do for the onshore import and serving by alias.

`MlflowRegistry` (embedded SQLite or an MLflow server) is the real one; `InMemoryRegistry` is a
fake with the same contract, shipped for the tests of the layers above it.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CANDIDATE_ALIAS = "candidate"
PENDING_ALIAS = "pending-validation"


def redact(uri: str) -> str:
    """A tracking or database URI without credentials, safe for manifests and logs."""
    return re.sub(r"//[^/@]*@", "//***@", uri)


@dataclass(frozen=True)
class RegisteredVersion:
    tracking_uri: str  # redacted
    experiment_id: str
    run_id: str
    model_name: str
    version: str


class Registry(Protocol):
    def imported_version(self, *, experiment: str, model_name: str, bundle_dir: Path,
                         documents: dict[str, dict | str], tags: dict[str, str]
                         ) -> AbstractContextManager[RegisteredVersion]:
        """Register a verified bundle as the next version, aliased `pending-validation`; if
        the `with` block raises, nothing of it stays and the alias points where it did."""
        ...

    def versions(self, model_name: str) -> list[tuple[str, dict[str, str]]]:
        """Every version of `model_name` with its tags, oldest first ([] for no such model)."""
        ...

    def find_versions(self, model_name: str, tag: str, value: str) -> list[str]:
        """Versions of `model_name` whose tag `tag` equals `value`, oldest first."""
        ...

    def model_names(self) -> list[str]: ...

    def aliases(self, model_name: str) -> dict[str, str]:
        """alias -> version for `model_name` ({} for no such model)."""
        ...

    def aliased(self, model_name: str, alias: str) -> tuple[str, dict[str, str]]:
        """(version, tags) of the version `alias` points at; `RegistryError` if none."""
        ...

    def move_alias(self, model_name: str, alias: str, version: str) -> None:
        """Point `alias` at `version` (an existing version); `RegistryError` if there is none."""
        ...

    def drop_alias(self, model_name: str, alias: str) -> None:
        """Remove `alias` if it is set."""
        ...
