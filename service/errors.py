"""Errors raised by the scoring service and its decision log.

`ServiceError` is an operator's mistake or an unusable backend (a bad decision-log URL, an
unreachable database); the CLI prints it as one line. A client's bad request is never an
exception that leaves the app: it is a `ContractViolation`, answered with a structured 422.
"""

from __future__ import annotations

from regions.errors import Mistake


class ServiceError(Mistake):
    """Base of every service error."""


class DecisionLogError(ServiceError):
    """The decision log cannot be opened, written or read."""
