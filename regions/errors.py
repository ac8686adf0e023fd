"""Errors raised by the region catalogue and the residency rules."""

from __future__ import annotations


class RegionError(Exception):
    """Base of every regions error; its message says what is wrong and what to do."""

    def diagnostics(self) -> str:
        return str(self)


class CatalogueError(RegionError):
    """A region file is malformed or the catalogue as a whole is inconsistent."""

    def __init__(self, file: str, field: str | None, rule: str) -> None:
        self.file, self.field, self.rule = file, field, rule
        where = f"{file}: field '{field}'" if field else file
        super().__init__(f"{where}: {rule}")


class ResidencyError(RegionError):
    """An operation would put data or a tier in a region that may not hold it."""
