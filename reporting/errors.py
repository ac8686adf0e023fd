"""The reporting area's errors."""

from __future__ import annotations

from regions.errors import Mistake


class ReportError(Mistake):
    """A report cannot be made from what was given: a bundle, a language, a format."""

    next_step = "check the bundle, language, format or period named, and run again"
