"""Model bundles: the directory that is signed offshore, verified and served onshore.

A bundle holds `CONTENT_FILES`; `manifest.json`, which records the SHA-256 and size of every
other file plus the facts needed to reproduce and trace the model; and, once signed, `model.sig`.
Bundles are written through `staged_bundle`: files go to a hidden temp directory beside the
destination, which is renamed into place only on `commit()`; anything that fails before leaves
nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from artifacts.documents import Document, DocumentError
from artifacts.errors import BundleError

BUNDLE_FORMAT = "seawall.bundle/v1"
MANIFEST = "manifest.json"
SIGNATURE = "model.sig"  # the Sigstore bundle over every other file (model-signing's default name)
CONTENT_FILES = ("model.onnx", "preprocessor.onnx", "contract.json", "reason_codes.json",
                 "golden_set.json", "model_card.json")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def to_json(doc: dict) -> bytes:
    """The one JSON encoding of bundle documents (stable key order, exact floats)."""
    return (json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


class StagedBundle:
    """A bundle being written; see `staged_bundle`."""

    def __init__(self, tmp: Path, final: Path) -> None:
        self.path, self.final = tmp, final

    def write(self, name: str, data: bytes) -> None:
        with (self.path / name).open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())

    def write_manifest(self, facts: dict) -> Manifest:
        """Hash every file written so far and write manifest.json; returns the manifest."""
        missing = [n for n in CONTENT_FILES if not (self.path / n).is_file()]
        if missing:
            raise BundleError(f"{self.final}: cannot write the manifest, missing {missing}")
        files = {p.name: {"sha256": sha256_file(p), "bytes": p.stat().st_size}
                 for p in sorted(self.path.iterdir()) if p.name != MANIFEST}
        manifest = Manifest.from_json({"format": BUNDLE_FORMAT, **facts, "files": files},
                                      source=f"{self.final}/{MANIFEST}")
        self.write(MANIFEST, to_json(manifest.to_json()))
        return manifest

    def commit(self) -> Path:
        if self.final.exists():
            raise BundleError(f"{self.final}: a bundle already exists there; bundles are never "
                              "overwritten")
        os.rename(self.path, self.final)
        _fsync_dir(self.final.parent)
        return self.final


@contextlib.contextmanager
def staged_bundle(parent: Path, name: str) -> Iterator[StagedBundle]:
    """Stage a bundle named `name` under `parent`; removed unless `commit()` ran."""
    final = parent / name
    if final.exists():
        raise BundleError(f"{final}: a bundle already exists there; bundles are never overwritten")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BundleError(f"{parent}: cannot create the bundle directory ({e.strerror})") from None
    tmp = parent / f".{name}.staging-{secrets.token_hex(4)}"
    tmp.mkdir()
    stage = StagedBundle(tmp, final)
    try:
        yield stage
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


@dataclass(frozen=True, kw_only=True)
class ModelRef:
    name: str
    version: str
    family: str = ""


@dataclass(frozen=True, kw_only=True)
class FileDigest:
    sha256: str
    bytes: int


@dataclass(frozen=True, kw_only=True)
class Manifest(Document):
    """`manifest.json`: every other file's digest and size, and the facts that reproduce and
    trace the model."""

    FORMAT: ClassVar[str] = BUNDLE_FORMAT
    model: ModelRef
    contract_version: str
    preprocessor_sha256: str
    onnx: dict
    mlflow: dict
    lineage: dict
    origin_region: str
    tier: str
    created_at: str
    files: dict[str, FileDigest]
    libraries: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Bundle:
    """A bundle on disk, as described by its manifest (not yet verified)."""

    path: Path
    manifest: Manifest
    manifest_bytes: bytes = b""  # as read, so verification proves these very bytes

    @property
    def manifest_sha256(self) -> str:
        return sha256_bytes(self.manifest_bytes)

    def read(self, name: str) -> bytes:
        return (self.path / name).read_bytes()

    def size(self, name: str) -> int:
        return (self.path / name).stat().st_size

    def document(self, name: str) -> dict:
        try:
            return json.loads(self.read(name))
        except (OSError, ValueError) as e:
            raise BundleError(f"{self.path / name}: cannot read ({e})") from None

    def digest_problems(self) -> list[str]:
        """Each file missing, added or changed against the manifest, as "expected ... got ..."."""
        listed = self.manifest.files
        present = {p.name for p in self.path.iterdir() if p.name not in (MANIFEST, SIGNATURE)}
        problems = [f"{n}: listed in the manifest but missing" for n in sorted(listed.keys() - present)]
        problems += [f"{n}: present but not in the manifest" for n in sorted(present - listed.keys())]
        for name in sorted(present & listed.keys()):
            if not (self.path / name).is_file():
                problems.append(f"{name}: listed in the manifest as a file but is not one")
                continue
            got = sha256_file(self.path / name)
            if got != listed[name].sha256:
                problems.append(f"{name}: expected sha256 {listed[name].sha256}, got {got}")
        return problems


def load_bundle(path: Path | str) -> Bundle:
    path = Path(path)
    if not path.is_dir():
        raise BundleError(f"{path}: not a bundle directory")
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise BundleError(f"{path}: no {MANIFEST}; not a Seawall bundle or not fully written")
    data = manifest_path.read_bytes()
    try:
        manifest = json.loads(data.decode("utf-8"))
    except ValueError as e:
        raise BundleError(f"{manifest_path}: not valid JSON ({e})") from None
    try:
        typed = Manifest.from_json(manifest, source=str(manifest_path))
    except DocumentError as e:
        raise BundleError(str(e)) from None
    return Bundle(path=path, manifest=typed, manifest_bytes=data)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
