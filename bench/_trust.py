"""The benches' onshore trust: a copy of the packaged catalogue in which `onshore-hn` trusts the
local signing key under `home` (made if missing) for `purposes`."""

from __future__ import annotations

import shutil
from pathlib import Path

from artifacts.signing import add_signer, ensure_local_key
from regions import PACKAGED_CATALOGUE


def trusting_catalogue(directory: Path, home: Path, purposes: list[str]) -> Path:
    shutil.copytree(PACKAGED_CATALOGUE, directory)
    key = ensure_local_key(home)
    add_signer(directory / "trust" / "onshore-hn.yaml", "onshore-hn", {
        "name": "bench", "kind": "key", "fingerprint": key.fingerprint,
        "public_key": key.public.read_text(), "purposes": purposes})
    return directory
