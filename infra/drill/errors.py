"""The drill's errors: a refusal before anything starts, or a topology that would not start."""

from __future__ import annotations

from regions import SeawallError, Verdict


class DrillError(SeawallError):
    """The drill's topology could not be set up or measured (a server would not start)."""

    next_step = "read the server logs the message names (kept with --keep)"


class DrillRefused(DrillError, Verdict):
    """A drill refused before its load and fault start: one line naming the rule."""

    next_step = ""
