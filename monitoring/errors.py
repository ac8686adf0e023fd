"""Errors of the monitoring area, under Seawall's one root."""

from __future__ import annotations

from regions.errors import Located, Mistake, SeawallError


class MonitoringError(SeawallError):
    """Base of every monitoring error."""


class PlanError(Located, MonitoringError, Mistake):
    """The monitoring plan is malformed: the message names the file, the field and the rule."""

    next_step = "fix the monitoring plan named (docs/monitoring.md lists every field)"
