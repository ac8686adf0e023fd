"""A registry in memory: the `Registry` contract without MLflow, for tests of the import and
promotion layers (the real `MlflowRegistry` has its own tests against a real store)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from artifacts.errors import RegistryError
from artifacts.registry.protocol import PENDING_ALIAS, RegisteredVersion


@dataclass
class _Model:
    versions: dict[str, dict[str, str]] = field(default_factory=dict)  # version -> tags
    aliases: dict[str, str] = field(default_factory=dict)


class InMemoryRegistry:
    location = "memory://"

    def __init__(self) -> None:
        self.models: dict[str, _Model] = {}
        self._runs = itertools.count(1)

    @contextlib.contextmanager
    def imported_version(self, *, experiment: str, model_name: str, bundle_dir: Path,
                         documents: dict[str, dict | str], tags: dict[str, str]
                         ) -> Iterator[RegisteredVersion]:
        created = model_name not in self.models
        model = self.models.setdefault(model_name, _Model())
        version = str(max(map(int, model.versions), default=0) + 1)
        previous = model.aliases.get(PENDING_ALIAS)
        model.versions[version] = dict(tags)
        model.aliases[PENDING_ALIAS] = version
        try:
            yield RegisteredVersion(self.location, experiment, f"run-{next(self._runs)}",
                                    model_name, version)
        except BaseException:
            del model.versions[version]
            if previous is None:
                model.aliases.pop(PENDING_ALIAS, None)
            else:
                model.aliases[PENDING_ALIAS] = previous
            if created:
                del self.models[model_name]
            raise

    def versions(self, model_name: str) -> list[tuple[str, dict[str, str]]]:
        model = self.models.get(model_name)
        if model is None:
            return []
        return [(v, dict(model.versions[v])) for v in sorted(model.versions, key=int)]

    def find_versions(self, model_name: str, tag: str, value: str) -> list[str]:
        model = self.models.get(model_name)
        if model is None:
            return []
        return sorted((v for v, t in model.versions.items() if t.get(tag) == value), key=int)

    def model_names(self) -> list[str]:
        return sorted(self.models)

    def aliases(self, model_name: str) -> dict[str, str]:
        model = self.models.get(model_name)
        return {} if model is None else dict(model.aliases)

    def aliased(self, model_name: str, alias: str) -> tuple[str, dict[str, str]]:
        model = self.models.get(model_name)
        if model is None or alias not in model.aliases:
            raise RegistryError(f"{self.location}: model '{model_name}' has no version with "
                                f"alias '{alias}'")
        version = model.aliases[alias]
        return version, dict(model.versions[version])

    def move_alias(self, model_name: str, alias: str, version: str) -> None:
        model = self.models.get(model_name)
        if model is None or version not in model.versions:
            raise RegistryError(f"{self.location}: model '{model_name}' has no version "
                                f"{version}")
        model.aliases[alias] = version

    def drop_alias(self, model_name: str, alias: str) -> None:
        model = self.models.get(model_name)
        if model is not None:
            model.aliases.pop(alias, None)
