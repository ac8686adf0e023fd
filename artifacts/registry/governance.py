"""A region's governance store: the promotion ledger and the model inventory, opened together,
and the import's entry in both (the registry's write path, issue 18 item 1).

Both live in `<home>/regions/<region>/governance.db` by default; the inventory can instead be a
PostgreSQL database (`--inventory postgresql://…` or $SEAWALL_INVENTORY), where its roles and
row-level security apply. The ledger stays beside the region's registry.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from artifacts.registry.inventory import Inventory, InventoryRow, status_of
from artifacts.registry.promotion import State
from artifacts.registry.protocol import Registry, redact
from artifacts.registry.tiering import Level
from artifacts.registry.transitions import Transition, TransitionLog
from regions import region_home

INVENTORY_ENV = "SEAWALL_INVENTORY"
STORE = "governance.db"


@dataclass
class Governance:
    region: str
    log: TransitionLog
    inventory: Inventory

    def close(self) -> None:
        self.log.close()
        self.inventory.close()

    def states(self, model: str, registry: Registry) -> dict[str, tuple[State, int | None]]:
        """Every registered version's state and canary step."""
        pending = registry.aliases(model).get("pending-validation")
        return {v: self._state(model, v, pending) for v, _ in registry.versions(model)}

    def ledger_states(self, model: str) -> dict[str, tuple[State, int | None]]:
        """Every version's state and canary step as the ledger alone has them (no registry
        read: what `seawall inventory show` answers from)."""
        return {t.version: (State(t.to_state), t.step) for _, _, t in self.log.history(model)}

    def state(self, model: str, version: str, registry: Registry) -> tuple[State, int | None]:
        """The ledger's state; a version imported before the ledger existed counts as
        pending validation while the import alias points at it."""
        return self._state(model, version, registry.aliases(model).get("pending-validation"))

    def _state(self, model: str, version: str, pending: str | None
               ) -> tuple[State, int | None]:
        state, step = self.log.state_of(model, version)
        if state is State.CANDIDATE and pending == version:
            return State.PENDING_VALIDATION, None
        return state, step

    def refresh(self, model: str, registry: Registry, pointer: str) -> str:
        """Set the inventory's status from the versions' states; the new status."""
        status = status_of(s for s, _ in self.states(model, registry).values())
        self.inventory.update(model, self.region, status=status, registry_pointer=pointer)
        return status


def inventory_location(home: Path, region: str, inventory: str | None = None) -> str:
    """`inventory`, else $SEAWALL_INVENTORY, else the region's governance store."""
    return inventory or os.environ.get(INVENTORY_ENV) or str(region_home(home, region) / STORE)


@contextmanager
def governance(home: Path, region: str, inventory: str | None = None):
    log = TransitionLog(region_home(home, region) / STORE)
    try:
        inv = Inventory(inventory_location(home, region, inventory))
    except BaseException:
        log.close()
        raise
    gov = Governance(region, log, inv)
    try:
        yield gov
    finally:
        gov.close()


def pointer(tracking_uri: str, model: str) -> str:
    """Where the registry holds the model (credentials never shown)."""
    return f"{redact(tracking_uri)}#models:/{model}"


def record_import(gov: Governance, registry: Registry, *, model: str, version: str,
                  tracking_uri: str, card: dict | None, signer: str) -> None:
    """The import's ledger entry (candidate -> pending-validation) and the inventory row: made
    from the bundle's model card when the model is new here, its status refreshed always."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    if gov.inventory.get(model, gov.region) is None:
        gov.inventory.put(_row_from_card(model, gov.region, card or {}))
    gov.log.append(Transition(
        model_name=model, version=version, region=gov.region, from_state=State.CANDIDATE,
        to_state=State.PENDING_VALIDATION, step=None, ticket="import",
        reason=f"verified import of a bundle signed by {signer}", approvals=[], decided_at=now))
    gov.refresh(model, registry, pointer(tracking_uri, model))


def _row_from_card(model: str, region: str, card: dict) -> InventoryRow:
    """A first inventory row from what the bundle declares; the tier is the card's declared
    risk tier if it names one, else high until someone declares materiality and complexity."""
    owner = str(card.get("owner") or "not declared")
    declared = str(card.get("risk_tier") or "").strip().lower()
    if declared in {level.value for level in Level}:
        tier, why = declared, ("the bundle's model card declares it; not yet assessed (seawall "
                               "inventory register --materiality --complexity)")
    else:
        tier, why = "high", ("not yet assessed: high until materiality and complexity are "
                             "declared (seawall inventory register)")
    return InventoryRow(model_name=model, region=region,
                        purpose=str(card.get("purpose") or card.get("intended_use") or
                                    "not declared"),
                        business_owner="not declared", model_owner=owner, developer=owner,
                        tier=tier, tier_rationale=why, status="validation")
