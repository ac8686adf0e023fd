"""Helpers for the signing tests: enrol a key in a region's policy, re-make a bundle document."""

from __future__ import annotations

import json
from pathlib import Path

from artifacts.bundle import MANIFEST, sha256_file, to_json
from artifacts.signing import add_signer, ensure_local_key


def trust_key(catalogue_dir: Path, region: str, home: Path, name: str = "offshore-release",
              purposes=("import", "serve")) -> str:
    """Enrol `home`'s local key in `region`'s policy; returns its fingerprint."""
    key = ensure_local_key(home)
    add_signer(catalogue_dir / "trust" / f"{region}.yaml", region, {
        "name": name, "kind": "key", "fingerprint": key.fingerprint,
        "public_key": key.public.read_text(), "purposes": list(purposes)})
    return key.fingerprint


def rewrite(bundle: Path, name: str, edit) -> None:
    """Edit one JSON document of a bundle and bring manifest.json up to date (a re-made bundle)."""
    doc = json.loads((bundle / name).read_text())
    edit(doc)
    (bundle / name).write_bytes(to_json(doc))
    manifest = json.loads((bundle / MANIFEST).read_text())
    manifest["files"][name] = {"sha256": sha256_file(bundle / name),
                               "bytes": (bundle / name).stat().st_size}
    (bundle / MANIFEST).write_bytes(to_json(manifest))
