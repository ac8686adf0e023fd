"""Schema checks of the custom resources a stack renders (the CloudNativePG `Cluster`), against
the schemas CloudNativePG publishes, as compiled by `@kubernetes-models/cloudnative-pg` (npm,
pinned in infra/crd-models/package-lock.json, installed by `make crd-models`).

The core Kubernetes objects are checked in Python (kubernetes-validate); these schemas exist
only as an npm package, so Node runs `infra/crd-models/validate.mjs` on them. Without Node or
the package, the objects are reported as not checked, with the reason, never as valid.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

MODELS = Path(__file__).resolve().parent / "crd-models"
KINDS = {("postgresql.cnpg.io/v1", "Cluster")}
INSTALL = "make crd-models (npm ci in infra/crd-models)"


def unavailable() -> str | None:
    """Why custom resources cannot be checked here, or None."""
    if shutil.which("node") is None:
        return f"Node.js is not installed (apt-get install nodejs npm, then {INSTALL})"
    if not (MODELS / "node_modules" / "@kubernetes-models" / "cloudnative-pg").is_dir():
        return f"the CloudNativePG schemas are not installed ({INSTALL})"
    return None


def check_custom(objects: list[dict[str, Any]]) -> list[str | None] | str:
    """For each object of a known custom kind: None (valid) or the schema's complaint; or,
    for the whole list, why nothing could be checked."""
    why = unavailable()
    if why is not None:
        return why
    done = subprocess.run(["node", str(MODELS / "validate.mjs")], input=json.dumps(objects),
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        return f"the CloudNativePG schema check failed to run: {done.stderr.strip()[-300:]}"
    return json.loads(done.stdout)
