"""Errors raised while reading a stack's configuration or planning its resources."""

from __future__ import annotations

from regions.errors import Located, Mistake


class InfraError(Mistake):
    """Base of every infra error; its message names the stack file, the key and the rule."""


class StackConfigError(Located, InfraError):
    """A stack's configuration is missing a key, has a bad value, or breaks a residency rule."""

    field_label = "config '{field}'"
    next_step = "fix the stack file named (see docs/platform-engineer.md for every key)"

    @property
    def source(self) -> str:
        return self.file

    @property
    def key(self) -> str | None:
        return self.field
