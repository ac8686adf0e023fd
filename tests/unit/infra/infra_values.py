"""Values the infra tests share: the project, its stacks and a valid digest and image."""

from __future__ import annotations

from pathlib import Path

from infra import find_project_dir

PROJECT = find_project_dir(Path(__file__))
STACKS = ("onshore-hn", "onshore-hcm", "offshore-sg")
DIGEST = "sha256:" + "ab" * 32
IMAGE = f"registry.example.vn/seawall/seawall@{DIGEST}"
