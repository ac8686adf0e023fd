"""`seawall serve` refusals and `seawall decisions verify`, as an operator runs them."""

from __future__ import annotations

import sqlite3
import sys

import httpx
import pytest
from mlflow.tracking import MlflowClient

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parents[1] / "integration" /
                       "service"))
from server_helpers import start  # noqa: E402
from test_cli import run  # noqa: E402

from artifacts.registry import import_bundle
from regions import load_catalogue  # noqa: E402


@pytest.mark.parametrize(("args", "message"), [
    (["--region", "offshore-sg", "--bundle", "x"], "offshore-sg"),
    (["--region", "onshore-hn"], "exactly one of --bundle and --alias"),
    (["--region", "onshore-hn", "--bundle", "x", "--canary-fraction", "0.5"],
     "canary_fraction > 0 needs a canary bundle"),
    (["--region", "onshore-hn", "--alias", "production"], "has no registry yet"),
    (["--region", "onshore-hn", "--bundle", "x", "--decision-log", "mysql://db/x",
      "--insecure-no-auth"], "unsupported"),
    (["--region", "onshore-hn", "--bundle", "x"], "no client authentication is configured: "
     "give bearer tokens (--jwt-issuer, --jwt-audience, --jwt-jwks)"),
    (["--region", "onshore-hn", "--bundle", "x", "--jwt-issuer", "https://i", "--jwt-audience",
      "a", "--jwt-jwks", "/nonexistent/jwks.json"], "/nonexistent/jwks.json: not a usable JWKS"),
    (["--region", "onshore-hn", "--bundle", "x", "--tls-client-ca", "ca.pem"],
     "mutual TLS (--tls-client-ca) needs --tls-cert and --tls-key"),
])
def test_serve_refuses_before_starting(tmp_path, args, message):
    out = run("serve", *args, "--home", str(tmp_path / "home"), cwd=tmp_path)
    assert out.returncode in (1, 2)
    assert message in " ".join((out.stdout + out.stderr).replace("│", " ").split())
    assert "Traceback" not in out.stderr


def test_serve_by_alias_and_verify_the_decisions(serving, tmp_path):
    home = tmp_path / "home"
    imported = import_bundle(serving.champion, catalogue=load_catalogue(serving.catalogue),
                             region="onshore-hn", home=home)
    client = MlflowClient(imported.tracking_uri, registry_uri=imported.tracking_uri)
    # moved in MLflow by hand, outside `seawall promote`: the ledger does not back it
    client.set_registered_model_alias(imported.model_name, "production", imported.version)
    refused = run("serve", "--region", "onshore-hn", "--alias", "production", "--catalogue",
                  str(serving.catalogue), "--home", str(home), "--insecure-no-auth",
                  cwd=tmp_path)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "is pending-validation in onshore-hn's promotion ledger, not approved for " \
           "serving" in " ".join(refused.stderr.split())
    server = start(serving, tmp_path, "--alias", "production", "--allow-unapproved")
    try:
        (model,) = httpx.get(f"{server.url}/version").json()["models"]
        assert model["bundle"] == str(imported.bundle.resolve()) and not model["approved"]
        httpx.post(f"{server.url}/predict", json={"rows": serving.rows(4)})
    finally:
        server.stop()
    ok = run("decisions", "verify", "--home", str(home), cwd=tmp_path)
    assert ok.returncode == 0 and "4 decisions, chain intact" in " ".join(ok.stdout.split())
    db = sqlite3.connect(home / "regions/onshore-hn/decisions.db")
    db.execute("DROP TRIGGER decisions_no_update")
    db.execute("UPDATE decisions SET probability = 0.0 WHERE seq = 2")
    db.commit()
    broken = run("decisions", "verify", "--home", str(home), "--json", cwd=tmp_path)
    assert broken.returncode == 1
    assert '"broken_at": 2' in broken.stdout and '"intact": false' in broken.stdout


def test_decisions_verify_without_a_log_is_one_line(tmp_path):
    out = run("decisions", "verify", "--home", str(tmp_path), cwd=tmp_path)
    assert out.returncode == 1 and "no decision log there" in out.stderr
