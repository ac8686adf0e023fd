"""The one error root of Seawall, and the errors of the region catalogue and residency rules.

Every error Seawall raises on purpose is a `SeawallError`, whose `diagnostics()` is one line
that says what went wrong and what to do next. Two kinds are kept apart:

- a **mistake** (`Mistake`): bad configuration, a bad file, a missing key, an unreachable
  backend; the fix is on the user's side, and the message names the file, field and rule;
- a **verdict** (`Verdict`): a check that ran and refused (a tampered bundle, an untrusted
  signer, residency): the input may be well-formed, and the answer is no.

The CLI catches `SeawallError` once and prints `diagnostics()` (exit 1). `regions` is the lowest
area (it imports nothing else of Seawall's), so the root lives here and every area derives
from it.
"""

from __future__ import annotations


class SeawallError(Exception):
    """Base of every Seawall error. `next_step` (per class, or per raise) says what to do."""

    next_step: str = ""

    def __init__(self, message: str, *, next_step: str | None = None) -> None:
        super().__init__(message)
        if next_step is not None:
            self.next_step = next_step

    def diagnostics(self) -> str:
        """One line: what went wrong, then what to do next (unless the message says it)."""
        message = str(self)
        if not self.next_step or self.next_step in message:
            return message
        return f"{message} (next: {self.next_step})"


class Mistake(SeawallError):
    """The input or the configuration is wrong; fixing it is the user's move."""


class Verdict(SeawallError):
    """A check ran and refused; the refusal is the result, not a malfunction."""


class Located:
    """For errors about one place in one file: `(file, field, rule)`, said as
    `file: <field_label>: rule`. Mix in before the error class."""

    field_label = "{field}"

    def __init__(self, file: str, field: str | None, rule: str) -> None:
        self.file, self.field, self.rule = file, field, rule
        where = f"{file}: {self.field_label.format(field=field)}" if field else file
        super().__init__(f"{where}: {rule}")  # type: ignore[call-arg]  # the error class's


class RegionError(SeawallError):
    """Base of the catalogue's errors."""


class CatalogueError(Located, RegionError, Mistake):
    """A region file is malformed or the catalogue as a whole is inconsistent."""

    field_label = "field '{field}'"
    next_step = "check the region name and the catalogue (`seawall regions list`)"


class ResidencyError(RegionError, Verdict):
    """An operation would put data or a tier in a region that may not hold it."""

    next_step = "choose a region whose tier and data classes allow it (`seawall regions list`)"


class SecretError(Mistake):
    """A secret is missing, unreadable, stored unsafely, or its store is misconfigured."""

    next_step = "set it with `seawall secrets set NAME`, or check SEAWALL_SECRETS"
