"""Verification reads each file once: the bytes it hashed are the bytes it replays, and no byte
is hashed twice (issue 20, item 7)."""

from __future__ import annotations

import hashlib

import pytest
from test_signing import trust_key

from artifacts.signing import Hashing, SignRequest, one_read, sign_bundle, verify, verify_bundle
from regions import load_catalogue


@pytest.mark.parametrize("hashing", ["files", "shards"])
def test_verification_hashes_each_byte_once_and_loads_the_bytes_it_hashed(
        bundle, tmp_path, catalogue_dir, monkeypatch, hashing):
    home = tmp_path / "home"
    trust_key(catalogue_dir, "onshore-hn", home)
    sign_bundle(SignRequest(bundle=bundle, home=home, hashing=Hashing(hashing)))
    hashed, loaded = [], []
    real_read, real_load = one_read._read_range, verify.OnnxScorer.from_bytes
    monkeypatch.setattr(one_read, "_read_range", lambda path, buffer, start, end: hashed.append(
        end - start) or real_read(path, buffer, start, end))
    monkeypatch.setattr(verify, "sha256_bytes", lambda data: pytest.fail("hashed twice"))
    monkeypatch.setattr(verify.OnnxScorer, "from_bytes", lambda model, contract: loaded.append(
        hashlib.sha256(model).hexdigest()) or real_load(model, contract))
    report = verify_bundle(bundle, catalogue=load_catalogue(catalogue_dir), region="onshore-hn")
    assert report.passed, report.to_text()
    files = [p for p in bundle.rglob("*") if p.is_file() and p.name != "model.sig"]
    assert sum(hashed) == sum(p.stat().st_size for p in files)
    assert loaded == [hashlib.sha256((bundle / "model.onnx").read_bytes()).hexdigest()]
