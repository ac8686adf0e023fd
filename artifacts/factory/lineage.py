"""Where a model came from: code revision, dependency lock, platform and library versions."""

from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LOCK_FILE = PROJECT_ROOT / "requirements.lock"
LIBRARIES = ("scikit-learn", "skl2onnx", "onnx", "onnxruntime", "numpy", "pandas", "scipy",
             "mlflow")


def git_revision(root: Path = PROJECT_ROOT) -> str:
    """The commit SHA of a clean checkout, else "uncommitted" (dirty tree or no git)."""
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True,
                               timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "uncommitted"
    return "uncommitted" if dirty or not sha else sha


def lock_sha256(lock: Path = LOCK_FILE) -> str:
    """SHA-256 of the dependency lock the environment was built from, or "unknown"."""
    return hashlib.sha256(lock.read_bytes()).hexdigest() if lock.is_file() else "unknown"


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def platform_facts() -> dict[str, str]:
    return {"system": platform.system(), "machine": platform.machine(),
            "python": sys.version.split()[0], "implementation": platform.python_implementation()}
