"""Reading a bundle for verification once: each file read once, each byte hashed once.

model-signing's hashing reads every file to hash it; verification then read the model (and the
documents) again to replay the golden set, and hashed those bytes again to be sure they were
the signed ones. Here each file is read once into memory and its digests are computed from
those bytes as they arrive, as the signed statement defines them (model-signing's `files` or
`shards` serialization with SHA-256: a file's digest, or one per `[start, end)` shard named
`path:start:end`). Shards are read and hashed in parallel, one per core, each into its own
slice of the file's buffer, 1 MiB at a time while the piece is in the CPU cache (hashlib
releases the GIL); a buffer's pages are first touched by the thread that fills them. The bytes
that were hashed are the bytes the later checks use and the service loads: nothing can change
between the digest and the use, and nothing is hashed twice.

A statement this module does not compute (another hash, another serialization) or a bundle
holding anything but regular files gets None, and verification hashes through model-signing.

    found = read_and_hash(bundle_path, facts.serialization, ignore="model.sig")
    found.digests   # identifier -> hex digest, to compare with the signed statement
    found.contents  # path -> the bytes hashed (a uint8 array)
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CHUNK = 1 << 20


@dataclass(frozen=True)
class Read:
    digests: dict[str, str]
    contents: dict[str, np.ndarray]


def read_and_hash(root: Path, serialization: dict, *, ignore: str) -> Read | None:
    method = serialization.get("method")
    if serialization.get("hash_type") != "sha256" or method not in ("files", "shards"):
        return None
    shard = int(serialization.get("shard_size") or 0) if method == "shards" else 0
    if method == "shards" and shard <= 0:
        return None
    paths = sorted(p for p in root.rglob("*") if p.relative_to(root).as_posix() != ignore)
    if any(p.is_symlink() or not (p.is_file() or p.is_dir()) for p in paths):
        return None  # model-signing names the problem
    contents: dict[str, np.ndarray] = {}
    jobs: list[tuple[str, Path, np.ndarray, int, int]] = []  # identifier, file, buffer, range
    for path in (p for p in paths if p.is_file()):
        name = path.relative_to(root).as_posix()
        size = path.stat().st_size
        buffer = contents[name] = np.empty(size, dtype=np.uint8)  # pages untouched until read
        if not shard:
            jobs.append((name, path, buffer, 0, size))
            continue
        start = 0
        for end in [*range(shard, size, shard), size] if size else []:
            jobs.append((f"{name}:{start}:{end}", path, buffer, start, end))
            start = end
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        digests = dict(zip([j[0] for j in jobs], pool.map(lambda job: _read_range(*job[1:]),
                                                          jobs)))
    return Read(digests, contents)


def _read_range(path: Path, buffer: np.ndarray, start: int, end: int) -> str:
    """Read `[start, end)` of `path` into the same slice of `buffer`, hashing as it arrives.
    A file cut short hashes what it holds, so its digest differs from the signed one."""
    digest = hashlib.sha256()
    with path.open("rb", buffering=0) as f, memoryview(buffer) as view:
        f.seek(start)
        at = start
        while at < end:
            got = f.readinto(view[at:min(end, at + CHUNK)])
            if not got:
                break
            digest.update(view[at:at + got])
            at += got
    return digest.hexdigest()
