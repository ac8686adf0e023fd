"""Where a region's local stores live under a Seawall home: its registry, imported bundles,
decision log and checkpoints (`<home>/regions/<region>/`)."""

from __future__ import annotations

from pathlib import Path


def region_home(home: Path, region: str) -> Path:
    return home / "regions" / region


TIMEZONES = {"VN": "Asia/Ho_Chi_Minh", "SG": "Asia/Singapore"}


def timezone_of(jurisdiction: str) -> str:
    """The IANA time zone a jurisdiction's days (reporting periods, monitoring windows) are
    counted in; UTC for one not listed."""
    return TIMEZONES.get(jurisdiction, "UTC")
