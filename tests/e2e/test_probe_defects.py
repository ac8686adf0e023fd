"""The smaller defects the outside probe found, each as a user meets it: one clear line and the
right exit code, nothing left behind, no misleading message."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml

SEAWALL = [sys.executable, "-m", "seawall"]
SERVER_HELPERS = Path(__file__).parents[1] / "integration" / "service"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*SEAWALL, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "COLUMNS": "120"})


def one_line_error(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    return lines[0]


def test_a_manifest_whose_model_is_a_string_is_one_line_for_verify_and_import(serving,
                                                                              tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(serving.champion, bundle)
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["model"] = "uci-credit-default"
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    cat = ["--catalogue", str(serving.catalogue)]
    verify = run("verify", str(bundle), "--region", "onshore-hn", *cat, cwd=tmp_path)
    assert verify.returncode == 1 and "Traceback" not in verify.stdout + verify.stderr
    assert "[FAIL] digests" in verify.stdout and "manifest.json: changed" in verify.stdout
    assert "field 'model' must be an object" in verify.stdout  # why the rest did not run
    imported = run("import", str(bundle), "--region", "onshore-hn", "--home", "h", *cat,
                   cwd=tmp_path)
    assert "manifest.json: field 'model' must be an object" in one_line_error(imported)
    # Unsigned, the same manifest is a plain mistake: one line naming the field.
    (bundle / "model.sig").unlink()
    line = one_line_error(run("bundle", "inspect", str(bundle), cwd=tmp_path))
    assert "manifest.json: field 'model' must be an object" in line


def test_a_refused_import_into_a_fresh_region_leaves_nothing(serving, tmp_path):
    out = run("import", str(serving.champion), "--region", "onshore-hcm", "--home", "h",
              "--catalogue", str(serving.catalogue), cwd=tmp_path)  # hcm trusts nobody
    assert out.returncode == 1 and "refused by onshore-hcm" in out.stderr
    region = tmp_path / "h" / "regions" / "onshore-hcm"
    assert not (region / "mlflow.db").exists()
    assert not region.exists() or [p for p in region.rglob("*") if p.is_file()] == []


def test_a_damaged_copy_of_an_imported_bundle_is_called_damaged(serving, tmp_path):
    cat = ["--catalogue", str(serving.catalogue)]
    first = run("import", str(serving.champion), "--region", "onshore-hn", "--home", "h", *cat,
                cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    damaged = tmp_path / "damaged"
    shutil.copytree(serving.champion, damaged)
    data = bytearray((damaged / "model.onnx").read_bytes())
    data[len(data) // 3] ^= 0x01
    (damaged / "model.onnx").write_bytes(bytes(data))
    out = run("import", str(damaged), "--region", "onshore-hn", "--home", "h", *cat,
              cwd=tmp_path)
    assert out.returncode == 1
    assert "model.onnx: changed" in out.stderr and "already imported" not in out.stderr


def test_trust_add_refuses_purposes_the_region_can_never_have(serving, tmp_path):
    catalogue = tmp_path / "catalogue"
    shutil.copytree(serving.catalogue, catalogue)
    key = next((serving.home / "keys").glob("*.pub"))
    out = run("trust", "add", "offshore-sg", "--name", "x", "--purpose", "serve",
              "--public-key", str(key), "--catalogue", str(catalogue), cwd=tmp_path)
    assert "serve need(s) the serving tier" in one_line_error(out)
    # A policy edited by hand the same way no longer lets `verify --purpose serve` pass there.
    policy = catalogue / "trust" / "offshore-sg.yaml"
    doc = yaml.safe_load(policy.read_text())
    onshore = yaml.safe_load((catalogue / "trust" / "onshore-hn.yaml").read_text())
    doc["signers"] = [dict(onshore["signers"][0], purposes=["serve"])]
    policy.write_text(yaml.safe_dump(doc))
    out = run("verify", str(serving.champion), "--region", "offshore-sg", "--purpose", "serve",
              "--catalogue", str(catalogue), cwd=tmp_path)
    assert "signers[0].purposes: serve need(s) the serving tier" in one_line_error(out)


def test_trust_add_keeps_the_comments_of_the_policy_it_rewrites(serving, tmp_path):
    catalogue = tmp_path / "catalogue"
    shutil.copytree(serving.catalogue, catalogue)
    policy = catalogue / "trust" / "onshore-hcm.yaml"
    policy.write_text(policy.read_text() + "# reviewed by the model risk committee, 2026-11\n")
    before = [line for line in policy.read_text().splitlines() if line.startswith("#")]
    key = next((serving.home / "keys").glob("*.pub"))
    out = run("trust", "add", "onshore-hcm", "--name", "release", "--purpose", "import",
              "--public-key", str(key), "--catalogue", str(catalogue), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    after = [line for line in policy.read_text().splitlines() if line.lstrip().startswith("#")]
    assert after == before
    assert [s["name"] for s in yaml.safe_load(policy.read_text())["signers"]] == ["release"]


def test_decisions_verify_names_an_unknown_region(tmp_path):
    line = one_line_error(run("decisions", "verify", "--region", "onshore-xx", cwd=tmp_path))
    assert "unknown region 'onshore-xx'" in line


def test_every_line_seawall_serve_writes_is_json(serving, tmp_path):
    sys.path.insert(0, str(SERVER_HELPERS))
    try:
        from server_helpers import start
    finally:
        sys.path.remove(str(SERVER_HELPERS))
    server = start(serving, tmp_path)
    try:
        assert httpx.post(f"{server.url}/predict",
                          json={"rows": serving.rows(1)}).status_code == 200
        time.sleep(0.3)
    finally:
        server.stop()
    lines = [line for line in server.lines() if line.strip()]
    assert lines and all(line.startswith("{") for line in lines), [
        line for line in lines if not line.startswith("{")][:3]
