"""Verify a bundle holding a >= 1 GiB model file; compare with this machine's SHA-256 limit.

The bundle is a real trained bundle whose model.onnx carries an extra, unused 1 GiB initializer
(so onnxruntime still loads and replays it). It is signed with Seawall's default hashing, which
switches to 64 MiB SHA-256 shards for files of 256 MiB or more. The peer, measured in the same
run over the same bytes (page cache warm for both): hashlib SHA-256 over the files split into
one contiguous range per core, one thread each, reading 1 MiB at a time: the all-core limit.

Printed: integrity throughput (signature + every digest, what `seawall verify` spends on the
bytes: each file read once, in parallel shards, hashed as it arrives) and whole-verify
throughput (plus manifest, preprocessor and golden-set replay, which loads the model from the
bytes already hashed), each as a ratio to the limit; where the rest of the time goes (each
check's seconds, and onnxruntime's own load of the same model bytes timed alone); then
integrity again with the bundle re-signed with whole-file hashing. Targets: integrity >= 0.9
of the limit, the whole verify >= 0.5. Medians of `--repeat` runs.

    .venv/bin/python bench/verify_large_bundle.py [--gib 1.0] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from _trust import trusting_catalogue
from artifacts.bundle import MANIFEST, SIGNATURE, inference_session, sha256_file, to_json
from artifacts.factory import TrainRequest, build_candidate, write_synthetic_csv
from artifacts.signing import (
    Hashing,
    SignRequest,
    sign_bundle,
    verify_bundle,
)
from regions import load_catalogue

CHUNK = 1 << 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="seawall-bench-") as tmp:
        root = Path(tmp)
        bundle, catalogue = _large_signed_bundle(root, int(args.gib * (1 << 30)))
        files = [p for p in sorted(bundle.iterdir()) if p.name != SIGNATURE]
        total = sum(p.stat().st_size for p in files)
        _limit_seconds(files, cores)  # warm the page cache for both sides
        limit, integrity, whole = [], [], []
        steps: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            limit.append(_limit_seconds(files, cores))
            start = time.perf_counter()
            report = verify_bundle(bundle, catalogue=catalogue, region="onshore-hn")
            whole.append(time.perf_counter() - start)
            assert report.passed, report.to_text()
            integrity.append(report.check("digests").seconds)
            for c in report.checks:
                steps.setdefault(c.name, []).append(c.seconds or 0.0)
        model = (bundle / "model.onnx").read_bytes()
        load = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            inference_session(model)
            load.append(time.perf_counter() - start)
        del model
        # For comparison: whole-file hashing (what the model_signing CLI can verify).
        sign_bundle(SignRequest(bundle=bundle, home=root / "home", hashing=Hashing.FILES,
                                replace=True))
        files_only = []
        for _ in range(args.repeat):
            report = verify_bundle(bundle, catalogue=catalogue, region="onshore-hn")
            assert report.passed, report.to_text()
            files_only.append(report.check("digests").seconds)
    mib = total / (1 << 20)
    rate = {name: mib / statistics.median(times) for name, times in
            (("limit", limit), ("integrity", integrity), ("whole", whole),
             ("files", files_only))}
    print(f"bundle: {mib:,.0f} MiB in {len(files)} files; {cores} cores; median of "
          f"{args.repeat} runs")
    print(f"  SHA-256 limit, {cores} threads over the same bytes: {rate['limit']:8.1f} MiB/s "
          f"({statistics.median(limit):.2f} s)")
    print(f"  seawall verify, signature + digests:          {rate['integrity']:8.1f} MiB/s "
          f"({statistics.median(integrity):.2f} s)  ratio {rate['integrity'] / rate['limit']:.2f}"
          f"  (target >= 0.90)")
    print(f"  seawall verify, every check incl. replay:     {rate['whole']:8.1f} MiB/s "
          f"({statistics.median(whole):.2f} s)  ratio {rate['whole'] / rate['limit']:.2f}"
          f"  (target >= 0.50)")
    print("  where the whole verify's time goes (median s per check): " + ", ".join(
        f"{name} {statistics.median(times):.2f}" for name, times in steps.items()
        if statistics.median(times) >= 0.005))
    print(f"    of which onnxruntime's own load of model.onnx from bytes, timed alone: "
          f"{statistics.median(load):.2f} s")
    print(f"  same bundle signed with --hashing files:      {rate['files']:8.1f} MiB/s "
          f"({statistics.median(files_only):.2f} s)  ratio {rate['files'] / rate['limit']:.2f}"
          "  (one thread per file)")


def _limit_seconds(files: list[Path], cores: int) -> float:
    """Hash every file as `cores` contiguous ranges in parallel (hashlib releases the GIL)."""
    jobs = []
    for path in files:
        size = path.stat().st_size
        step = max(CHUNK, -(-size // cores))
        jobs += [(path, start, min(size, start + step)) for start in range(0, size, step)]
    start = time.perf_counter()
    with ThreadPoolExecutor(cores) as pool:
        list(pool.map(lambda job: _hash_range(*job), jobs))
    return time.perf_counter() - start


def _hash_range(path: Path, start: int, end: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb", buffering=0) as f:
        f.seek(start)
        remaining = end - start
        while remaining:
            block = f.read(min(CHUNK, remaining))
            digest.update(block)
            remaining -= len(block)
    return digest.hexdigest()


def _large_signed_bundle(root: Path, padding: int):
    data = write_synthetic_csv(root / "credit.csv", rows=3_000)
    bundle = build_candidate(TrainRequest(region="offshore-sg", home=root / "home",
                                          data=data)).bundle
    model = onnx.load(bundle / "model.onnx")
    blob = np.frombuffer(np.random.default_rng(1).bytes(padding), dtype=np.uint8)
    model.graph.initializer.append(numpy_helper.from_array(blob, name="bench_padding"))
    onnx.save(model, bundle / "model.onnx")
    manifest = json.loads((bundle / MANIFEST).read_text())
    manifest["files"]["model.onnx"] = {"sha256": sha256_file(bundle / "model.onnx"),
                                       "bytes": (bundle / "model.onnx").stat().st_size}
    (bundle / MANIFEST).write_bytes(to_json(manifest))
    catalogue_dir = trusting_catalogue(root / "catalogue", root / "home", ["import"])
    signed = sign_bundle(SignRequest(bundle=bundle, home=root / "home"))
    print(f"signed {bundle.name} ({signed.hashing})")
    return bundle, load_catalogue(catalogue_dir)


if __name__ == "__main__":
    main()
