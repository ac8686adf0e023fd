"""The `seawall` command as a user runs it: subprocesses, exit codes, what it prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SEAWALL = [sys.executable, "-m", "seawall"]


def run(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*SEAWALL, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "COLUMNS": "120", **(env or {})})


def test_help_lists_every_command_with_a_description(tmp_path):
    out = run("--help", cwd=tmp_path)
    assert out.returncode == 0
    for command in ("train", "demo", "regions", "data", "bundle", "sign", "verify", "import",
                    "trust", "serve", "decisions", "secrets", "infra", "package", "spec",
                    "auth", "report", "monitor", "outcomes", "drill", "inventory"):
        assert command in out.stdout


def test_regions_list(tmp_path):
    out = run("regions", "list", cwd=tmp_path)
    assert out.returncode == 0
    assert "offshore-sg" in out.stdout and "onshore-hcm" in out.stdout


def test_invalid_catalogue_is_one_line_exit_1(tmp_path, catalogue_dir):
    (catalogue_dir / "onshore-hn.yaml").write_text(
        (catalogue_dir / "onshore-hn.yaml").read_text().replace("residency: onshore",
                                                                 "residency: offshore"))
    out = run("regions", "list", "--catalogue", str(catalogue_dir), cwd=tmp_path)
    assert out.returncode == 1
    assert "onshore-hn.yaml: field 'tiers'" in out.stderr and "Traceback" not in out.stderr


def test_train_then_inspect_then_detect_tampering(tmp_path, small_csv):
    out = run("train", "--region", "offshore-sg", "--data", str(small_csv), "--home", "h",
              cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Parity gate" in out.stdout and "alias 'candidate'" in out.stdout
    bundle = tmp_path / "h" / "bundles" / "uci-credit-default-v1"
    assert str(bundle.relative_to(tmp_path)) in out.stdout.replace("\n", "")
    shown = run("bundle", "inspect", str(bundle), cwd=tmp_path)
    assert shown.returncode == 0 and "every file matches the manifest" in shown.stdout
    as_json = json.loads(run("bundle", "inspect", str(bundle), "--json", cwd=tmp_path).stdout)
    assert as_json["digest_problems"] == [] and as_json["manifest"]["model"]["version"] == "1"
    card = bundle / "model_card.json"
    card.write_text(card.read_text().replace('"high"', '"low"'))
    tampered = run("bundle", "inspect", str(bundle), cwd=tmp_path)
    assert tampered.returncode == 1
    assert "model_card.json: expected sha256" in tampered.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--region", "onshore-hn"], "does not allow the training tier"),
    (["--region", "offshore-xx"], "unknown region 'offshore-xx'"),
    (["--region", "offshore-sg", "--data", "missing.csv"], "missing.csv: data file not found"),
])
def test_user_mistakes_are_one_clear_line_with_exit_1(tmp_path, args, message):
    out = run("train", *args, "--home", "h", cwd=tmp_path)
    assert out.returncode == 1
    assert message in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "h" / "bundles").exists()


def test_unusable_registry_and_output_paths_are_clear_errors(tmp_path, small_csv):
    (tmp_path / "afile").touch()
    for args, message in ((["--tracking-uri", "foo://nowhere"], "cannot be used"),
                          (["--out", "afile"], "afile: cannot create the bundle directory")):
        out = run("train", "--region", "offshore-sg", "--data", str(small_csv), "--home", "h",
                  *args, cwd=tmp_path)
        assert out.returncode == 1 and message in out.stderr and "Traceback" not in out.stderr


def test_bundle_with_incomplete_manifest_is_a_clear_error(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "manifest.json").write_text('{"format": "seawall.bundle/v1"}')
    out = run("bundle", "inspect", "b", cwd=tmp_path)
    assert out.returncode == 1 and "field 'model' is missing" in out.stderr


def test_verbose_adds_the_traceback(tmp_path):
    out = run("--verbose", "train", "--region", "onshore-hn", "--home", "h", cwd=tmp_path)
    assert out.returncode == 1 and "Traceback" in out.stderr


def test_usage_error_exits_2(tmp_path):
    out = run("train", "--model", "forest", "--region", "offshore-sg", cwd=tmp_path)
    assert out.returncode == 2


def test_data_synth_writes_a_csv(tmp_path):
    out = run("data", "synth", "--out", "d.csv", "--rows", "1500", cwd=tmp_path)
    assert out.returncode == 0
    assert len((tmp_path / "d.csv").read_text().splitlines()) == 1501


def test_sign_trust_verify_import_as_an_auditor_would(tmp_path, small_csv, catalogue_dir):
    cat = ["--catalogue", str(catalogue_dir)]
    assert run("train", "--region", "offshore-sg", "--data", str(small_csv), "--home", "h",
               cwd=tmp_path).returncode == 0
    bundle = "h/bundles/uci-credit-default-v1"
    signed = run("sign", bundle, "--home", "h", cwd=tmp_path)
    assert signed.returncode == 0, signed.stderr
    assert "created the local signing key" in signed.stdout and "PRIVATE" not in signed.stdout
    refused = run("verify", bundle, "--region", "onshore-hn", *cat, cwd=tmp_path)
    assert refused.returncode == 1 and "[FAIL] signer" in refused.stdout
    added = run("trust", "add", "onshore-hn", "--name", "release", "--purpose", "import",
                "--public-key", "h/keys/signing-key.pub", *cat, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert "release" in run("trust", "list", "onshore-hn", *cat, cwd=tmp_path).stdout
    ok = run("verify", bundle, "--region", "onshore-hn", "--against", bundle, *cat, cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout
    assert "result       PASS (7 of 7 checks passed)" in ok.stdout
    as_json = json.loads(run("verify", bundle, "--region", "onshore-hn", "--json", *cat,
                             cwd=tmp_path).stdout)
    assert as_json["passed"] is True and as_json["signer"]["trusted_as"] == "release"
    imported = run("import", bundle, "--region", "onshore-hn", "--home", "h", *cat, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "version 1 (alias pending-validation)" in imported.stdout.replace("\n", " ")
    serve = run("verify", bundle, "--region", "onshore-hn", "--purpose", "serve", *cat,
                cwd=tmp_path)
    assert serve.returncode == 1 and "not for serve" in serve.stdout
    card = tmp_path / bundle / "model_card.json"
    card.write_text(card.read_text().replace("credit", "debit", 1))
    tampered = run("verify", bundle, "--region", "onshore-hn", "--json", *cat, cwd=tmp_path)
    report = json.loads(tampered.stdout)
    assert tampered.returncode == 1 and report["passed"] is False
    digests = next(c for c in report["checks"] if c["name"] == "digests")
    assert digests["details"] == ["model_card.json: changed (its bytes differ from the signed "
                                  "digest)"]
    again = run("import", bundle, "--region", "onshore-hcm", "--home", "h", *cat, cwd=tmp_path)
    assert again.returncode == 1 and "refused by onshore-hcm" in again.stderr
    assert "Traceback" not in again.stderr


@pytest.mark.parametrize("args, message", [
    (["verify", "nowhere", "--region", "onshore-hn"], "nowhere: not a bundle directory"),
    (["trust", "add", "onshore-hn", "--name", "x", "--purpose", "import"], "say who the signer"),
    (["sign", "nowhere"], "nowhere: not a bundle directory"),
    (["trust", "add", "onshore-hn", "--name", "x", "--purpose", "import", "--certificate",
      "pyproject.toml", "--roots", "pyproject.toml"], "pyproject.toml: not a PEM certificate"),
])
def test_signing_mistakes_are_one_clear_line(tmp_path, args, message):
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    out = run(*args, cwd=tmp_path)
    assert out.returncode == 1 and message in out.stderr and "Traceback" not in out.stderr
