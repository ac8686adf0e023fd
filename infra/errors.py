"""Errors raised while reading a stack's configuration or planning its resources."""

from __future__ import annotations


class InfraError(Exception):
    """Base of every infra error; its message names the stack file, the key and the rule."""

    def diagnostics(self) -> str:
        return str(self)


class StackConfigError(InfraError):
    """A stack's configuration is missing a key, has a bad value, or breaks a residency rule."""

    def __init__(self, source: str, key: str | None, rule: str) -> None:
        self.source, self.key, self.rule = source, key, rule
        where = f"{source}: config '{key}'" if key else source
        super().__init__(f"{where}: {rule}")
