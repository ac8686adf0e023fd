"""Promotion governance as a model-risk team runs it: trust approvers with roles, declare the
model in the inventory, sign approvals, promote, and answer the supervisor's seven questions;
bad approvals and skipped states are refused in one line, nothing moved, the refusal logged."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from test_cli import run

from artifacts.registry import import_bundle
from artifacts.signing.keys import public_pem, write_private_key
from regions import load_catalogue

REGION = "onshore-hn"


@pytest.fixture
def team(serving, tmp_path):
    """A region with one imported version, and approvers: vera (validator), rel (release
    engineer), trusted in the region; mallory, trusted by nobody."""
    catalogue = tmp_path / "catalogue"
    shutil.copytree(serving.catalogue, catalogue)
    home = tmp_path / "home"
    imported = import_bundle(serving.champion, catalogue=load_catalogue(catalogue),
                             region=REGION, home=home)
    keys = {}
    for name, role in (("vera", "validator"), ("rel", "release-engineer"), ("mallory", None)):
        key = ec.generate_private_key(ec.SECP256R1())
        keys[name] = tmp_path / f"{name}.pem"
        write_private_key(keys[name], key)
        (tmp_path / f"{name}.pub").write_bytes(public_pem(key.public_key()))
        if role is not None:
            added = run("trust", "add", REGION, "--name", name, "--purpose", "approve", "--role",
                        role, "--public-key", str(tmp_path / f"{name}.pub"), "--catalogue",
                        str(catalogue), cwd=tmp_path)
            assert added.returncode == 0, added.stderr
    common = ["--region", REGION, "--catalogue", str(catalogue), "--home", str(home)]
    return imported.model_name, imported.version, keys, common, tmp_path


def approve(team, who: str, to: str, *extra: str):
    model, version, keys, common, tmp = team
    return run("approve", model, version, "--to", to, "--ticket", "CHG-100", "--reason",
               "validation report VR-7 accepted", "--key", str(keys[who]), *common, *extra,
               cwd=tmp)


def approval_path(out) -> str:
    return " ".join(out.stdout.split()).rsplit(": ", 1)[1]


def promote(team, to: str, *approvals: str, ticket: str = "CHG-100"):
    model, version, _, common, tmp = team
    args = [a for p in approvals for a in ("--approval", p)]
    return run("promote", model, version, "--to", to, "--ticket", ticket, *args, *common,
               cwd=tmp)


def inventory(team, *args: str):
    model, _, _, common, tmp = team
    home = common[common.index("--home") + 1]
    return run("inventory", *args, "--home", home, cwd=tmp)


def test_declare_approve_promote_and_answer_the_seven_questions(team):
    model, version, _, _, _ = team
    declared = inventory(team, "register", model, "--region", REGION, "--materiality", "medium",
                         "--complexity", "medium", "--business-owner", "Retail credit",
                         "--developer", "dan")
    assert declared.returncode == 0 and "tier medium" in declared.stdout
    signed = approve(team, "vera", "validated")
    assert signed.returncode == 0, signed.stderr
    moved = promote(team, "validated", approval_path(signed))
    assert moved.returncode == 0, moved.stderr
    assert "pending-validation -> validated" in moved.stdout and "staging=" in moved.stdout
    released = promote(team, "production", approval_path(approve(team, "rel", "production")))
    assert released.returncode == 0, released.stderr
    shown = inventory(team, "show", model, "--region", REGION, "--json")
    doc = json.loads(shown.stdout)
    assert doc["inventory"]["status"] == "production"
    assert doc["inventory"]["validator"] == "vera" and doc["inventory"]["developer"] == "dan"
    answers = {a["question"]: a for a in doc["answers"]}
    assert len(answers) == 7
    assert answers["What version is live?"]["answer"].startswith(f"version {version}")
    assert any("vera as validator" in p for p in answers["Who validated it?"]["proof"])
    assert answers["What is the rollback plan?"]["answer"].startswith("no previous production")
    text = inventory(team, "show", model, "--region", REGION)
    assert "7. What is the rollback plan?" in text.stdout and "ledger #" in text.stdout
    listed = inventory(team, "list", "--region", REGION)
    assert model in listed.stdout and "production" in listed.stdout
    exported = inventory(team, "export", "--format", "csv")
    (row,) = csv.DictReader(io.StringIO(exported.stdout))
    assert (row["model_name"], row["tier"], row["status"]) == (model, "medium", "production")
    full = json.loads(inventory(team, "export").stdout)
    assert [a["approver"] for a in full["models"][0]["approvals"]] == ["vera", "rel"]


REFUSALS = [
    ("untrusted key", "is not trusted to approve"),
    ("wrong role", "does not hold the role 'model-risk-head'"),
    ("skipped state", "pending-validation -> production is not a promotion the machine allows"),
    ("other ticket", "is for ticket CHG-100, this promotion for CHG-5"),
]


def test_bad_approvals_are_refused_in_one_line_and_logged(team):
    """Each case in turn on one region: a refusal moves nothing, so the next starts where the
    first did."""
    model = team[0]
    for case, message in REFUSALS:
        signed = {"untrusted key": lambda: approve(team, "mallory", "validated", "--role",
                                                   "validator"),
                  "wrong role": lambda: approve(team, "vera", "validated", "--role",
                                                "model-risk-head"),
                  "skipped state": lambda: approve(team, "vera", "production"),
                  "other ticket": lambda: approve(team, "vera", "validated")}[case]()
        assert signed.returncode == 0, signed.stderr
        to = "production" if case == "skipped state" else "validated"
        out = promote(team, to, approval_path(signed),
                      ticket="CHG-5" if case == "other ticket" else "CHG-100")
        assert out.returncode == 1 and "Traceback" not in out.stderr, case
        assert message in " ".join(out.stderr.split()), case
    shown = json.loads(inventory(team, "show", model, "--region", REGION, "--json").stdout)
    assert shown["inventory"]["status"] == "validation"  # nothing moved
    incidents = next(a for a in shown["answers"] if a["question"] ==
                     "What incidents were logged?")
    assert incidents["answer"].startswith(f"0 rollback(s), {len(REFUSALS)} refused "
                                          "promotion(s)")
    assert REFUSALS[-1][1] in incidents["answer"]  # the latest, with its reason
    assert len(incidents["proof"]) == 3  # the latest three, each named


def test_a_missing_ticket_is_a_usage_error(team):
    model, version, _, common, tmp = team
    out = run("promote", model, version, "--to", "validated", *common, cwd=tmp)
    assert out.returncode == 2 and "--ticket" in out.stderr and "Traceback" not in out.stderr
    blank = promote(team, "validated", ticket=" ")
    assert blank.returncode == 1 and "change ticket reference is mandatory" in blank.stderr


@pytest.mark.parametrize("region, message", [
    ("offshore-sg", "does not allow the serving tier"),
    ("onshore-hx", "unknown region 'onshore-hx'"),
])
def test_no_inventory_or_approval_outside_a_known_onshore_region(tmp_path, region, message):
    """Residency: the inventory and its approvals live onshore; nothing is written elsewhere."""
    key = ec.generate_private_key(ec.SECP256R1())
    write_private_key(tmp_path / "k.pem", key)
    home = tmp_path / "home"
    for args in (["inventory", "register", "m", "--region", region],
                 ["approve", "m", "1", "--to", "validated", "--region", region, "--ticket", "T",
                  "--reason", "r", "--role", "validator", "--key", str(tmp_path / "k.pem")]):
        out = run(*args, "--home", str(home), cwd=tmp_path)
        assert out.returncode == 1 and message in out.stderr and "Traceback" not in out.stderr
    assert not home.exists()
