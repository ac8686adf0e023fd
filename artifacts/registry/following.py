"""What a serving region should serve, read from its registry and promotion ledger (issue 18
item 5): `seawall serve --alias production` follows this, so a promotion or a rollback reaches
the running service without a restart.

The ledger decides, the aliases must agree: a version is served only if the ledger says it was
promoted there (production, canary at its step, shadow, or the previous production), so an
alias moved in MLflow by hand, outside `seawall promote`, is not followed. Serving a version the
ledger has not approved for serving is refused unless the operator asks for it
(`--allow-unapproved`, development only), and then every answer says so.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from artifacts.errors import ArtifactError
from artifacts.registry.governance import STORE
from artifacts.registry.promotion import CANARY_STEPS, PromotionError, State
from regions import region_home

SERVABLE = (State.PRODUCTION, State.CANARY, State.SHADOW, State.SUPERSEDED)
AUTO_TICKET = "auto-rollback"


@dataclass(frozen=True)
class Slot:
    version: str
    bundle: Path
    fraction: float = 0.0  # the canary's share of application ids
    step: int | None = None


@dataclass(frozen=True)
class Wanted:
    model: str
    champion: Slot
    canary: Slot | None = None
    shadow: Slot | None = None
    approved: bool = True
    notes: tuple[str, ...] = ()  # aliases the ledger does not back, and so not followed
    standby: Slot | None = None  # the previous production: kept verified for a fast rollback

    def key(self) -> tuple:
        """What must change for the service to reload."""
        return tuple((s.version, s.step) if s else None
                     for s in (self.champion, self.canary, self.shadow)) + (self.approved,)


class RegistrySource:
    """The region's registry and ledger, read for a service that follows `alias`."""

    def __init__(self, *, home: Path, region: str, alias: str, model: str | None = None,
                 catalogue: Path | None = None, allow_unapproved: bool = False,
                 tracking_uri: str | None = None) -> None:
        self.home, self.region, self.alias, self.model = home, region, alias, model
        self.catalogue, self.allow_unapproved = catalogue, allow_unapproved
        self.tracking_uri = tracking_uri
        self._registry = None
        self._ledger = region_home(home, region) / STORE

    def head(self) -> int:
        """The ledger's last sequence number: a cheap test of whether anything moved."""
        if not self._ledger.is_file():
            return 0
        db = sqlite3.connect(f"file:{self._ledger}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT coalesce(max(seq), 0) FROM transitions").fetchone()[0]
        except sqlite3.Error:
            return 0
        finally:
            db.close()

    def registry(self):
        if self._registry is None:
            from artifacts.registry.bundle_import import region_registry

            self._registry = region_registry(self.home, self.region, self.tracking_uri)
        return self._registry

    def wanted(self) -> Wanted:
        """The models to serve now; `ArtifactError` when the alias may not be served."""
        from artifacts.registry.bundle_import import MANIFEST_TAG, bundle_with_digest
        from artifacts.registry.governance import governance

        registry, store = self.registry()
        model = self.model or _only_model(registry, self.region)
        version, tags = registry.aliased(model, self.alias)
        aliases = registry.aliases(model)
        with governance(self.home, self.region) as gov:
            state, _ = gov.state(model, version, registry)
            approved = state in SERVABLE
            if not approved and not self.allow_unapproved:
                raise PromotionError(
                    f"{model} version {version} (alias '{self.alias}') is {state} in "
                    f"{self.region}'s promotion ledger, not approved for serving; promote it "
                    "(seawall promote) or, for development only, serve with --allow-unapproved")
            slots, notes = {}, []
            if self.alias == "production":
                for alias, wanted_state in (("canary", State.CANARY), ("shadow", State.SHADOW),
                                            ("previous-production", State.SUPERSEDED)):
                    other = aliases.get(alias)
                    if other is None or other == version:
                        continue
                    other_state, step = gov.state(model, other, registry)
                    if other_state is not wanted_state:
                        notes.append(f"alias {alias} points at version {other}, which the "
                                     f"ledger has {other_state}: not followed")
                        continue
                    path = bundle_with_digest(store, dict(registry.versions(model))[other].get(
                        MANIFEST_TAG), f"{model} version {other}, alias '{alias}'")
                    slots[alias] = Slot(other, path, CANARY_STEPS[step or 0]
                                        if alias == "canary" else 0.0, step)
        champion = Slot(version, bundle_with_digest(store, tags.get(MANIFEST_TAG),
                                                    f"{model} version {version}, alias "
                                                    f"'{self.alias}'"))
        return Wanted(model, champion, slots.get("canary"), slots.get("shadow"), approved,
                      tuple(notes), slots.get("previous-production"))

    def judged(self, model: str, version: str, step: int, passed: bool, detail: str,
               at: str) -> None:
        from artifacts.registry.transitions import TransitionLog

        log = TransitionLog(self._ledger)
        try:
            log.judge(model, version, step, passed, detail, at)
        finally:
            log.close()

    def roll_back(self, model: str, version: str, detail: str) -> None:
        """Record the service's own rollback of a failing canary (no approval: a rollback is
        never held up; the ticket says who decided)."""
        from artifacts.registry.promote import PromoteRequest, promote
        from regions import load_catalogue

        promote(PromoteRequest(model=model, version=version, to=State.ROLLED_BACK,
                               region=self.region, home=self.home,
                               catalogue=load_catalogue(self.catalogue), ticket=AUTO_TICKET,
                               reason=f"the canary step's metric gate failed: {detail}",
                               tracking_uri=self.tracking_uri), self.registry()[0])


def _only_model(registry, region: str) -> str:
    names = registry.model_names()
    if len(names) != 1:
        raise ArtifactError(f"region {region}'s registry holds {len(names)} models "
                            f"({', '.join(names) or 'none'}); name one with --model")
    return names[0]
