"""A real `seawall serve --alias production` under load while versions are promoted and rolled
back: no restart, no failed request, every decision logged with the version that scored it.

- a canary whose scores are wrong (trained on shuffled labels) fails its step's metric gate and
  is rolled back by the service itself, in well under 5 s from the decision;
- a healthy canary passes each step's gate, is promoted step by step to production, and the
  previous production is superseded;
- an operator's rollback of that production restores the previous one, again under 5 s;
- a version the ledger has not approved for serving is refused unless --allow-unapproved, which
  then shows in /ready, /version and every decision.
"""

from __future__ import annotations

import copy
import json
import shutil
import sqlite3
import subprocess
import threading
import time
from datetime import datetime
from pathlib import Path

import httpx
import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from server_helpers import SEAWALL, start

from artifacts.factory import TrainRequest, build_candidate
from artifacts.registry import import_bundle
from artifacts.registry.approvals import sign, statement
from artifacts.registry.governance import governance
from artifacts.registry.promote import PromoteRequest, promote
from artifacts.registry.promotion import State
from artifacts.signing import Method, SignRequest, add_signer, sign_bundle
from artifacts.signing.keys import fingerprint, public_pem
from regions import load_catalogue

pytestmark = pytest.mark.slow
REGION = "onshore-hn"
TARGET = "default.payment.next.month"
APPROVERS = {"vera": "validator", "rita": "model-risk-head", "rel": "release-engineer"}
VALIDATION = ("vera", "rita")  # the UCI model card declares a high tier: two approvers


class Region:
    def __init__(self, root: Path, serving, frame) -> None:
        self.root, self.home = root, root / "home"
        self.catalogue_dir = root / "catalogue"
        shutil.copytree(serving.catalogue, self.catalogue_dir)
        self.keys = {n: ec.generate_private_key(ec.SECP256R1()) for n in APPROVERS}
        for name, role in APPROVERS.items():
            pem = public_pem(self.keys[name].public_key())
            add_signer(self.catalogue_dir / "trust" / f"{REGION}.yaml", REGION, {
                "name": name, "kind": "key", "fingerprint": fingerprint(pem),
                "public_key": pem.decode(), "purposes": ["approve"], "roles": [role]})
        self.catalogue = load_catalogue(self.catalogue_dir)
        good, bad = root / "good.csv", root / "shuffled.csv"
        frame.to_csv(good, index=False)
        shuffled = frame.copy()
        shuffled[TARGET] = np.random.default_rng(1).permutation(shuffled[TARGET].to_numpy())
        shuffled.to_csv(bad, index=False)
        self.versions = {}
        for label, data, seed in (("v1", good, 11), ("bad", bad, 12), ("good", good, 13)):
            bundle = build_candidate(TrainRequest(region="offshore-sg", home=root / "offshore",
                                                  data=data, seed=seed)).bundle
            sign_bundle(SignRequest(bundle=bundle, method=Method.KEY, home=serving.home))
            imported = import_bundle(bundle, catalogue=self.catalogue, region=REGION,
                                     home=self.home)
            self.versions[label] = imported.version
        self.model = imported.model_name
        self.nonce = 0

    def move(self, label: str, to: State, *who: str) -> None:
        """Promote with approvals from `who` (the release engineer by default)."""
        version = self.versions[label]
        approvals = []
        for who in who or (("rel",) if to is not State.ROLLED_BACK else ()):
            self.nonce += 1
            doc = statement(model=self.model, version=version, region=REGION, to_state=to.value,
                            role=APPROVERS[who], ticket="CHG-9", reason="test")
            path = self.root / f"approval-{self.nonce}.json"
            path.write_text(json.dumps(sign(doc, self.keys[who])))
            approvals.append(path)
        promote(PromoteRequest(model=self.model, version=version, to=to, region=REGION,
                               home=self.home, catalogue=self.catalogue, ticket="CHG-9",
                               approvals=tuple(approvals)))

    def ledger(self):
        with governance(self.home, REGION) as gov:
            return gov.log.history(self.model)

    def verdict(self, label: str, step: int):
        with governance(self.home, REGION) as gov:
            return gov.log.verdict(self.model, self.versions[label], step)


@pytest.fixture(scope="module")
def region(tmp_path_factory, serving, small_frame) -> Region:
    r = Region(tmp_path_factory.mktemp("promotion"), serving, small_frame)
    r.move("v1", State.VALIDATED, *VALIDATION)
    r.move("v1", State.PRODUCTION)
    return r


class Load:
    """Clients scoring 50-row batches, drawn from distinct applicants, with fresh application
    ids until stopped (distinct rows: a handful repeated would put the scores on a few atoms,
    where a canary's tiny differences move whole bins of its PSI)."""

    def __init__(self, url: str, rows: list[dict], clients: int = 3) -> None:
        self.url, self.pool, self.stop = url, rows, threading.Event()
        self.answers: list[tuple[int, dict, list[str]]] = []
        self.threads = [threading.Thread(target=self._run, args=(i,)) for i in range(clients)]
        for t in self.threads:
            t.start()

    def _run(self, client: int) -> None:
        with httpx.Client(timeout=30) as http:
            n = 0
            draw = np.random.default_rng(client)
            while not self.stop.is_set():
                n += 1
                rows = [self.pool[i] for i in draw.choice(len(self.pool), 50, replace=False)]
                ids = [f"c{client}-{n}-{i}" for i in range(len(rows))]
                r = http.post(f"{self.url}/predict", json={"rows": rows,
                                                           "application_ids": ids})
                self.answers.append((r.status_code, r.json() if r.status_code == 200 else
                                     {"body": r.text}, ids))

    def finish(self) -> list[tuple[int, dict, list[str]]]:
        self.stop.set()
        for t in self.threads:
            t.join()
        return self.answers


def wait_for(check, timeout: float = 60.0, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def logged(home: Path) -> dict[tuple[str, str], tuple[str, str, str]]:
    db = sqlite3.connect(home / "regions" / REGION / "decisions.db")
    try:
        return {(r[0], r[1]): (r[2], r[3], r[4]) for r in db.execute(
            "SELECT request_id, application_id, model_version, role, decided_at FROM decisions")}
    finally:
        db.close()


def served_version(url: str) -> str:
    return next(m["version"] for m in httpx.get(f"{url}/version").json()["models"]
                if m["role"] == "champion")


def seconds(a: str, b: str) -> float:
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()


def own_copy(region: Region, tmp_path: Path) -> Region:
    """The region's registry and ledger copied to <tmp_path>/home, which `start` serves."""
    mine = copy.copy(region)
    mine.home = tmp_path / "home"
    shutil.copytree(region.home, mine.home)
    return mine


def test_canary_steps_rollbacks_and_promotion_under_load(region, serving, small_frame,
                                                         tmp_path):
    region = own_copy(region, tmp_path)
    server = start(serving, tmp_path, "--alias", "production", "--catalogue",
                   str(region.catalogue_dir), "--canary-min-rows", "100")
    v = region.versions
    try:
        assert served_version(server.url) == v["v1"]
        columns = serving.golden["columns"]
        load = Load(server.url, json.loads(small_frame[columns].to_json(orient="records")))
        # 1. a canary with wrong scores: the service fails its gate and rolls it back
        region.move("bad", State.VALIDATED, *VALIDATION)
        region.move("bad", State.CANARY)
        verdict = wait_for(lambda: region.verdict("bad", 0), what="the bad canary's verdict")
        assert verdict[0] is False and "score PSI" in verdict[1]
        rolled = wait_for(lambda: [t for _, _, t in region.ledger()
                                   if t.version == v["bad"] and t.to_state == "rolled-back"],
                          what="the recorded rollback")
        assert rolled[0].ticket == "auto-rollback" and "metric gate failed" in rolled[0].reason
        # 2. a healthy canary through every step to production
        region.move("good", State.VALIDATED, *VALIDATION)
        region.move("good", State.CANARY)
        for step in range(4):
            found = wait_for(lambda s=step: region.verdict("good", s), what=f"step {step}")
            assert found[0] is True, found
            region.move("good", State.CANARY if step < 3 else State.PRODUCTION)
        wait_for(lambda: served_version(server.url) == v["good"], what="the new production")
        time.sleep(1.0)
        # 3. the operator rolls production back: the superseded version serves again
        region.move("good", State.ROLLED_BACK)
        wait_for(lambda: served_version(server.url) == v["v1"], what="the restored production")
        time.sleep(1.0)
        answers = load.finish()
    finally:
        server.stop()
    assert answers and all(status == 200 for status, _, _ in answers), \
        [a[:2] for a in answers if a[0] != 200][:3]
    log = logged(region.home)
    for _, body, ids in answers:  # every answer row is logged with the version that scored it
        for app_id, row in zip(ids, body["results"], strict=True):
            version, role, _ = log[(body["request_id"], app_id)]
            assert (version, role) == (row["model_version"], row["role"])
    moves = {(t.version, t.to_state): t for _, _, t in region.ledger()}
    judged = region.verdict("bad", 0)[2]
    last_bad = max(at for version, _, at in log.values() if version == v["bad"])
    operator = moves[(v["good"], "rolled-back")].decided_at
    last_good = max(at for version, _, at in log.values() if version == v["good"])
    print(f"\n{len(answers)} requests, {len(log)} decisions; last bad-canary decision "
          f"{seconds(judged, last_bad):+.3f} s from the gate's verdict; last decision of the "
          f"rolled-back production {seconds(operator, last_good):+.3f} s from the operator's "
          "rollback")
    assert seconds(judged, last_bad) < 5.0  # nothing scored by the bad canary 5 s after
    assert seconds(operator, last_good) < 5.0
    assert moves[(v["v1"], "superseded")] and moves[(v["v1"], "production")]
    assert any(role == "canary" for _, role, _ in log.values())
    with sqlite3.connect(region.home / "regions" / REGION / "governance.db") as db:
        judged = db.execute("SELECT count(*) FROM step_verdicts GROUP BY version, step").fetchall()
    assert judged and all(n == 1 for (n,) in judged)  # each step judged once, not every look


def test_an_unapproved_version_is_refused_unless_asked_for(region, serving, tmp_path):
    home = own_copy(region, tmp_path).home
    refused = subprocess.run([str(SEAWALL), "serve", "--region", REGION, "--alias",
                              "pending-validation", "--catalogue", str(region.catalogue_dir),
                              "--home", str(home), "--insecure-no-auth"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "not approved for serving" in refused.stderr
    assert "Traceback" not in refused.stderr
    server = start(serving, tmp_path, "--alias", "pending-validation", "--allow-unapproved",
                   "--catalogue", str(region.catalogue_dir))
    try:
        ready = httpx.get(f"{server.url}/ready").json()
        assert "not approved" in ready["warning"] and not ready["models"][0]["approved"]
        body = httpx.post(f"{server.url}/predict", json={"rows": serving.rows(2)}).json()
        assert {r["role"] for r in body["results"]} == {"champion-unapproved"}
    finally:
        server.stop()
    roles = {role for _, role, _ in logged(home).values()}
    assert roles == {"champion-unapproved"}
