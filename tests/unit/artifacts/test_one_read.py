"""One read per file in verification: the digests are model-signing's, byte for byte, and the
bytes verification uses are the ones it hashed, each hashed once."""

from __future__ import annotations

import model_signing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from artifacts.signing.one_read import read_and_hash


def model_signing_digests(root, method: str, shard: int) -> dict[str, str]:
    config = model_signing.hashing.Config().set_ignored_paths(paths=["model.sig"],
                                                              ignore_git_paths=False)
    config = (config.use_shard_serialization(hashing_algorithm="sha256", shard_size=shard)
              if method == "shards" else config.use_file_serialization(hashing_algorithm="sha256"))
    return {d.identifier: d.digest.digest_hex for d in config.hash(root).resource_descriptors()}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.dictionaries(st.sampled_from(["model.onnx", "a.json", "sub/b.bin", ".hidden",
                                              "empty"]),
                             st.binary(max_size=300), min_size=1),
       method=st.sampled_from(["files", "shards"]), shard=st.integers(1, 64))
def test_the_digests_are_model_signings_for_files_and_shards(tmp_path_factory, files, method,
                                                             shard):
    root = tmp_path_factory.mktemp("bundle")
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    (root / "model.sig").write_bytes(b"not hashed")
    read = read_and_hash(root, {"method": method, "hash_type": "sha256", "shard_size": shard},
                         ignore="model.sig")
    assert read.digests == model_signing_digests(root, method, shard)
    assert {n: a.tobytes() for n, a in read.contents.items()} == files


def test_what_it_cannot_compute_is_left_to_model_signing(tmp_path):
    (tmp_path / "a").write_bytes(b"x")
    assert read_and_hash(tmp_path, {"method": "files", "hash_type": "blake2b"},
                         ignore="model.sig") is None
    (tmp_path / "link").symlink_to(tmp_path / "a")
    assert read_and_hash(tmp_path, {"method": "files", "hash_type": "sha256"},
                         ignore="model.sig") is None
