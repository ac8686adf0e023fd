"""Where a region's local stores live under a Seawall home: its registry, imported bundles,
decision log and checkpoints (`<home>/regions/<region>/`)."""

from __future__ import annotations

from pathlib import Path


def region_home(home: Path, region: str) -> Path:
    return home / "regions" / region
