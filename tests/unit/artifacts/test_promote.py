"""`promote` over the in-memory registry: approved moves move the aliases, the ledger and the
inventory together; every refusal (untrusted or wrong-role key, expired or reused approval,
missing ticket, skipped state, separation of duties, the tier's gate, an unjudged canary step)
moves nothing and is kept with its one-line reason."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import event, given, settings
from hypothesis import strategies as st

from artifacts.errors import ArtifactError
from artifacts.registry import InMemoryRegistry
from artifacts.registry.approvals import sign, statement
from artifacts.registry.governance import governance, record_import
from artifacts.registry.promote import PromoteRequest, promote
from artifacts.registry.promotion import State
from artifacts.signing.keys import fingerprint, public_pem
from artifacts.signing.trust import add_signer
from regions import PACKAGED_CATALOGUE, load_catalogue

REGION, MODEL = "onshore-hn", "uci"
NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)
ROLES = {"victor": "validator", "rita": "model-risk-head", "rel": "release-engineer",
         "dave": "validator"}


@pytest.fixture(scope="module")
def keys():
    return {name: ec.generate_private_key(ec.SECP256R1()) for name in [*ROLES, "mallory"]}


class World:
    def __init__(self, tmp: Path, catalogue_dir: Path, keys: dict) -> None:
        self.tmp, self.keys, self.home = tmp, keys, tmp / "home"
        for name, role in ROLES.items():
            pem = public_pem(keys[name].public_key())
            add_signer(catalogue_dir / "trust" / f"{REGION}.yaml", REGION, {
                "name": name, "kind": "key", "fingerprint": fingerprint(pem),
                "public_key": pem.decode(), "purposes": ["approve"], "roles": [role]})
        self.catalogue = load_catalogue(catalogue_dir)
        self.registry = InMemoryRegistry()
        self.count = 0

    def imported(self, card: dict | None = None) -> str:
        with self.registry.imported_version(experiment="e", model_name=MODEL, bundle_dir=self.tmp,
                                            documents={}, tags={"seawall.signer": "key abc"}
                                            ) as v, governance(self.home, REGION) as gov:
            record_import(gov, self.registry, model=MODEL, version=v.version,
                          tracking_uri="memory://", signer="key abc",
                          card=card or {"owner": "dave", "risk_tier": "medium", "purpose": "PD"})
        return v.version

    def approval(self, who: str, version: str, to: str, role: str | None = None,
                 now: datetime = NOW, ticket: str = "CHG-7") -> Path:
        self.count += 1
        doc = statement(model=MODEL, version=version, region=REGION, to_state=to,
                        role=role or ROLES[who], ticket=ticket, reason="ok", now=now)
        path = self.tmp / f"approval-{self.count}.json"
        path.write_text(json.dumps(sign(doc, self.keys[who])))
        return path

    def promote(self, version: str, to: State, *approvals: Path, ticket: str = "CHG-7"):
        return promote(PromoteRequest(model=MODEL, version=version, to=to, region=REGION,
                                      home=self.home, catalogue=self.catalogue, ticket=ticket,
                                      approvals=approvals, now=NOW), self.registry)

    def state(self):
        with governance(self.home, REGION) as gov:
            return ({v: s for v, (s, _) in gov.states(MODEL, self.registry).items()},
                    gov.inventory.get(MODEL, REGION), gov.log.refusals(MODEL), gov.log.verify())


@pytest.fixture
def world(tmp_path, catalogue_dir, keys) -> World:
    return World(tmp_path, catalogue_dir, keys)


def release(world: World, version: str, to: State) -> None:
    world.promote(version, to, world.approval("rel", version, to.value))


def champion_and_challenger(world: World) -> tuple[str, str]:
    """Version 1 validated and released, version 2 imported and validated."""
    v1 = world.imported()
    world.promote(v1, State.VALIDATED, world.approval("victor", v1, "validated"))
    release(world, v1, State.PRODUCTION)
    v2 = world.imported()
    world.promote(v2, State.VALIDATED, world.approval("victor", v2, "validated"))
    return v1, v2


def test_an_import_enters_the_ledger_and_the_inventory_from_the_model_card(world):
    v = world.imported()
    states, row, _, broken = world.state()
    assert states == {v: State.PENDING_VALIDATION} and broken is None
    assert (row.status, row.tier, row.developer, row.purpose) == ("validation", "medium", "dave",
                                                                  "PD")


def test_a_first_release_then_a_canary_through_its_steps_supersedes_the_champion(world):
    v1 = world.imported()
    world.promote(v1, State.VALIDATED, world.approval("victor", v1, "validated"))
    _, row, _, _ = world.state()
    assert (row.status, row.validator, row.validation_done) == ("approved", "victor", "2026-12-02")
    release(world, v1, State.PRODUCTION)
    v2 = world.imported()
    world.promote(v2, State.VALIDATED, world.approval("victor", v2, "validated"))
    release(world, v2, State.CANARY)
    with pytest.raises(ArtifactError, match="has no metric verdict yet"):
        release(world, v2, State.CANARY)
    with governance(world.home, REGION) as gov:
        gov.log.judge(MODEL, v2, 0, False, "error rate 3 % > 1 %", NOW.isoformat())
    with pytest.raises(ArtifactError, match="failed its metric gate.*error rate 3 %"):
        release(world, v2, State.CANARY)
    for step in range(4):
        with governance(world.home, REGION) as gov:
            gov.log.judge(MODEL, v2, step, True, "ok", NOW.isoformat())
        release(world, v2, State.CANARY if step < 3 else State.PRODUCTION)
    states, row, refusals, broken = world.state()
    assert states == {v1: State.SUPERSEDED, v2: State.PRODUCTION}
    assert world.registry.aliases(MODEL) == {"production": v2, "previous-production": v1}
    assert row.status == "production" and broken is None and len(refusals) == 2
    world.promote(v2, State.ROLLED_BACK)  # a rollback needs no approval, but a ticket
    states, row, _, _ = world.state()
    assert states == {v1: State.PRODUCTION, v2: State.ROLLED_BACK}
    assert world.registry.aliases(MODEL) == {"production": v1, "rolled-back": v2}


@pytest.mark.parametrize("case, message", [
    ("untrusted", "is not trusted to approve"),
    ("wrong role", "does not hold the role 'model-risk-head'"),
    ("expired", "expired at"),
    ("no ticket", "change ticket reference is mandatory"),
    ("other ticket", "is for ticket CHG-7, this promotion for CHG-8"),
    ("skipped state", "pending-validation -> production is not a promotion"),
    ("developer approves", "dave developed uci and cannot approve it"),
    ("no approval", "needs an approval from each of validator; missing: validator"),
])
def test_refusals_move_nothing_and_are_kept(world, case, message):
    v = world.imported()
    to, ticket = State.VALIDATED, "CHG-7"
    approvals = {
        "untrusted": [world.approval("mallory", v, "validated", role="validator")],
        "wrong role": [world.approval("victor", v, "validated", role="model-risk-head")],
        "expired": [world.approval("victor", v, "validated", now=NOW - timedelta(days=15))],
        "no ticket": [world.approval("victor", v, "validated")],
        "other ticket": [world.approval("victor", v, "validated")],
        "skipped state": [world.approval("victor", v, "production")],
        "developer approves": [world.approval("dave", v, "validated")],
        "no approval": [],
    }[case]
    if case == "no ticket":
        ticket = " "
    if case == "other ticket":
        ticket = "CHG-8"
    if case == "skipped state":
        to = State.PRODUCTION
    aliases = world.registry.aliases(MODEL)
    with pytest.raises(ArtifactError, match=message) as caught:
        world.promote(v, to, *approvals, ticket=ticket)
    assert "\n" not in caught.value.diagnostics()
    states, row, refusals, _ = world.state()
    assert states == {v: State.PENDING_VALIDATION} and row.status == "validation"
    assert world.registry.aliases(MODEL) == aliases
    assert [r[2:] for r in refusals] == [(to.value, caught.value.diagnostics())]


def test_a_reused_approval_is_refused(world):
    _, v2 = champion_and_challenger(world)
    used = world.approval("rel", v2, "canary")  # names the state, so each step could take it
    world.promote(v2, State.CANARY, used)
    with governance(world.home, REGION) as gov:
        gov.log.judge(MODEL, v2, 0, True, "ok", NOW.isoformat())
    with pytest.raises(ArtifactError, match="already used for an earlier move"):
        world.promote(v2, State.CANARY, used)


def test_a_high_tier_needs_two_distinct_approvers(world):
    v = world.imported({"owner": "dave", "risk_tier": "high"})
    with pytest.raises(ArtifactError, match="missing: model-risk-head"):
        world.promote(v, State.VALIDATED, world.approval("victor", v, "validated"))
    world.promote(v, State.VALIDATED, world.approval("victor", v, "validated"),
                  world.approval("rita", v, "validated"))
    assert world.state()[0] == {v: State.VALIDATED}


def test_a_second_production_must_go_through_canary(world):
    _, v2 = champion_and_challenger(world)
    with pytest.raises(ArtifactError, match="is in production: a new version gets there "
                       "through canary"):
        release(world, v2, State.PRODUCTION)


def test_leaving_shadow_records_the_champion_challenger_evidence(world):
    _, v2 = champion_and_challenger(world)
    release(world, v2, State.SHADOW)
    with pytest.raises(ArtifactError, match="records the champion-challenger comparison"):
        release(world, v2, State.CANARY)
    evidence = {"format": "seawall.champion_challenger/v1", "verdict": "challenger-better"}
    promote(PromoteRequest(model=MODEL, version=v2, to=State.CANARY, region=REGION,
                           home=world.home, catalogue=world.catalogue, ticket="CHG-7",
                           approvals=(world.approval("rel", v2, "canary"),), now=NOW,
                           evidence=evidence), world.registry)
    with governance(world.home, REGION) as gov:
        (_, _, last), = gov.log.history(MODEL, v2)[-1:]
        assert last.to_state == "canary" and last.evidence == evidence
        assert gov.log.verify() is None


TARGETS = [State.VALIDATED, State.SHADOW, State.CANARY, State.CANARY, State.CANARY,
           State.PRODUCTION, State.PRODUCTION, State.ROLLED_BACK, State.ROLLED_BACK, State.RETIRED]
# a released first version and a validated second, so canaries and rollbacks are reachable
START = [("1", State.VALIDATED), ("1", State.PRODUCTION), ("2", State.VALIDATED)]
ONE_EACH = {"production": State.PRODUCTION, "canary": State.CANARY, "shadow": State.SHADOW,
            "previous-production": State.SUPERSEDED}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["1", "2", "3"]), st.sampled_from(TARGETS)),
                min_size=1, max_size=14))
def test_any_sequence_of_promotions_keeps_aliases_ledger_and_inventory_in_step(keys, moves):
    """Whatever is asked, in whatever order: every call moves or refuses as a whole, the
    serving aliases hold one version each and always the one the ledger has in that state, the
    inventory's status follows, and the ledger's chain verifies."""
    from artifacts.registry.inventory import status_of

    with tempfile.TemporaryDirectory() as tmp:
        catalogue = Path(tmp) / "catalogue"
        shutil.copytree(PACKAGED_CATALOGUE, catalogue)
        world = World(Path(tmp), catalogue, keys)
        for _ in range(3):
            world.imported()
        for version, to in START + moves:
            who = "victor" if to is State.VALIDATED else "rel"
            approvals = () if to is State.ROLLED_BACK else (world.approval(who, version,
                                                                           to.value),)
            with governance(world.home, REGION) as gov:
                state, step = gov.log.state_of(MODEL, version)
                if state is State.CANARY:  # the service passed the current step
                    gov.log.judge(MODEL, version, step, True, "ok", NOW.isoformat())
            try:
                promote(PromoteRequest(model=MODEL, version=version, to=to, region=REGION,
                                       home=world.home, catalogue=world.catalogue,
                                       ticket="CHG-7", approvals=approvals, now=NOW,
                                       evidence={"verdict": "insufficient"}), world.registry)
            except ArtifactError as e:
                assert "\n" not in e.diagnostics()
            else:
                event(f"moved to {to}")
            states, row, _, broken = world.state()
            assert broken is None
            aliases = world.registry.aliases(MODEL)
            for alias, state in ONE_EACH.items():
                holders = [v for v, s in states.items() if s is state]
                assert len(holders) <= 1, (alias, holders)
                assert aliases.get(alias) == (holders[0] if holders else None), (alias, aliases,
                                                                                states)
            assert row.status == status_of(states.values())
