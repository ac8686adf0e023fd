"""`seawall infra`, `seawall secrets` and `seawall verify --manifest-digest` as a user runs them."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import yaml

from infra.crd_check import check_custom, unavailable

SEAWALL = [sys.executable, "-m", "seawall"]
PROJECT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path, stdin: str | None = None,
        env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*SEAWALL, *args], cwd=cwd, capture_output=True, text=True,
                          input=stdin, timeout=300,
                          env={**os.environ, "COLUMNS": "200", **(env or {})})


def test_render_writes_schema_valid_manifests_for_review(tmp_path):
    out = tmp_path / "manifests" / "hn"
    result = run("infra", "render", "--stack", "onshore-hn", "--out", str(out), cwd=PROJECT)
    assert result.returncode == 0, result.stderr
    assert "policy pack infra/policies: no violations" in result.stdout
    files = sorted(p.name for p in out.glob("*.yaml"))
    assert files[0] == "01-namespace-seawall-serving.yaml"
    kinds = [yaml.safe_load((out / f).read_text())["kind"] for f in files]
    assert kinds.count("Deployment") == 2 and "NetworkPolicy" in kinds
    assert "Cluster" in kinds  # the decision log's database (CloudNativePG)
    for name in files:
        obj = yaml.safe_load((out / name).read_text())
        if obj["apiVersion"] == "postgresql.cnpg.io/v1":
            assert check_custom([obj]) in ([None], unavailable())
        elif obj["apiVersion"] != "monitoring.coreos.com/v1":
            kubernetes_validate.validate(obj, "1.30", strict=True)
    assert (out / "vault-policy-seawall-onshore-hn-serving-read.hcl").is_file()
    again = run("infra", "render", "--stack", "onshore-hn", "--out", str(out), cwd=PROJECT)
    assert again.returncode == 0 and sorted(p.name for p in out.glob("*.yaml")) == files


def test_render_refuses_a_bad_stack_file_and_writes_nothing(tmp_path):
    shutil.copy(PROJECT / "Pulumi.yaml", tmp_path)
    text = (PROJECT / "Pulumi.onshore-hn.yaml").read_text()
    digest_image = text.split("seawall:image: ")[1].split("\n")[0]
    (tmp_path / "Pulumi.onshore-hn.yaml").write_text(
        text.replace(digest_image, "registry.vngcloud.vn/seawall/seawall:latest"))
    out = tmp_path / "out"
    result = run("infra", "render", "-s", "onshore-hn", "-o", str(out), cwd=tmp_path)
    assert result.returncode == 1
    assert "config 'image': images are pinned by digest" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


def test_render_will_not_replace_a_directory_it_did_not_write(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    result = run("infra", "render", "-s", "offshore-sg", "-o", str(precious), cwd=PROJECT)
    assert result.returncode == 1 and "was not written by 'seawall infra render'" in result.stderr
    assert (precious / "notes.txt").read_text() == "keep me"


def test_render_names_an_out_path_that_is_not_a_directory(tmp_path):
    (tmp_path / "plan.txt").write_text("keep me")
    for out, says in ((tmp_path / "plan.txt", "is a file, not a directory"),
                      (tmp_path / "plan.txt" / "hn", "cannot create its parent directory")):
        result = run("infra", "render", "-s", "offshore-sg", "-o", str(out), cwd=PROJECT)
        assert result.returncode == 1 and says in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert (tmp_path / "plan.txt").read_text() == "keep me"


def test_check_reports_each_stack(tmp_path):
    result = run("infra", "check", "--stack", "offshore-sg", cwd=PROJECT)
    assert result.returncode == 0, result.stderr
    assert "valid against the 1.30 schemas" in result.stdout
    assert "output trackingUri:" in result.stdout


def test_secrets_set_reads_stdin_and_list_shows_names_only(tmp_path):
    store = f"file://{tmp_path}/secrets"
    result = run("secrets", "set", "decision-log-url", "--store", store, cwd=tmp_path,
                 stdin="postgresql://app:pw@db/decisions\n")
    assert result.returncode == 0, result.stderr
    assert "pw@db" not in result.stdout
    path = tmp_path / "secrets" / "decision-log-url"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == "postgresql://app:pw@db/decisions"
    listed = run("secrets", "list", cwd=tmp_path, env={"SEAWALL_SECRETS": store})
    assert "decision-log-url" in listed.stdout and "pw@db" not in listed.stdout
    empty = run("secrets", "set", "x", "--store", store, cwd=tmp_path, stdin="")
    assert empty.returncode == 1 and "empty value" in empty.stderr


def test_verify_refuses_a_bundle_other_than_the_pinned_one(serving, tmp_path):
    manifest = (serving.champion / "manifest.json").read_bytes()
    pinned = f"sha256:{hashlib.sha256(manifest).hexdigest()}"
    args = ["verify", str(serving.champion), "--region", "onshore-hn", "--purpose", "serve",
            "--catalogue", str(serving.catalogue)]
    good = run(*args, "--manifest-digest", pinned, cwd=tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "manifest.json has the digest the deployment pinned" in good.stdout
    other = run(*args, "--manifest-digest", "sha256:" + "0" * 64, cwd=tmp_path)
    assert other.returncode == 1
    assert f"expected sha256:{'0' * 64}, got {pinned}" in other.stdout
