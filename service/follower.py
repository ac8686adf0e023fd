"""A serving region that follows its registry (issue 18 item 5): promotions and rollbacks reach the
running service without a restart, and the canary's steps are judged here, where its errors,
latency and scores are seen.

Every `interval` the follower asks its source (the registry and promotion ledger, wired in by
`seawall serve --alias`) whether anything moved. When it did, the models now wanted are
verified and loaded off the event loop (a bundle already served keeps its verified scorer) and
only then swapped in, in one assignment: a request is scored by the old set or the new, never a
mix, and a bundle that fails verification never takes a request (the old set keeps serving,
and `/ready` says what was refused).

While a canary serves, its step is judged (`canary_gate`); the verdict goes to the ledger, and
a failing one takes the canary out of the running set at once, then records the rollback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from service.canary_gate import CanaryWatch, Limits
from service.served_models import ModelSet, load_models

log = logging.getLogger("seawall.service")


class Source(Protocol):
    """Where the wanted models come from (artifacts.registry.following.RegistrySource)."""

    def head(self) -> int: ...

    def wanted(self) -> Any: ...  # .model, .champion, .canary, .shadow (Slots), .approved, .key()

    def judged(self, model: str, version: str, step: int, passed: bool, detail: str,
               at: str) -> None: ...

    def roll_back(self, model: str, version: str, detail: str) -> None: ...


class Follower:
    def __init__(self, source: Source, *, catalogue, region: str, interval: float,
                 limits: Limits, install: Callable[[ModelSet, float, CanaryWatch | None], None],
                 current: Callable[[], ModelSet]) -> None:
        self.source, self.catalogue, self.region = source, catalogue, region
        self.interval, self.limits = interval, limits
        self.install, self.current = install, current
        self.head: int | None = None
        self.key: tuple | None = None
        self.watch: CanaryWatch | None = None
        self.model: str | None = None
        self.vetoed: set[tuple[str, int | None]] = set()  # canary steps this service failed
        self.problem: str | None = None  # the last move not followed, for /ready
        self.swaps = 0
        self.standby: list = []  # verified and loaded, not serving: the rollback's target

    def first(self) -> ModelSet:
        """The initial set (blocking: called in the start-up thread)."""
        self.head = self.source.head()
        wanted = self.source.wanted()
        models, fraction, watch = self._build(wanted, [])
        self.key, self.model = wanted.key(), wanted.model
        self.watch = watch
        self.install(models, fraction, watch)
        self._keep_standby(wanted, models)
        return models

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as e:  # never let the follower die; the current set keeps serving
                self.problem = f"following the registry failed: {e}"
                log.exception("following the registry failed; still serving the current set")

    async def tick(self) -> None:
        head = await asyncio.to_thread(self.source.head)
        if head != self.head:
            await self._follow(head)
        watch = self.watch
        if watch is None or (watch.version, watch.step) in self.vetoed:
            return
        verdict = await asyncio.to_thread(watch.judge, self.limits)
        if verdict is None or (watch.verdict is not None and
                               verdict.passed == watch.verdict.passed):
            return  # recorded once per step, and again only if a passed step later fails
        watch.verdict = verdict
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        if not verdict.passed:
            await self._roll_back(watch, verdict.detail)
        await asyncio.to_thread(self.source.judged, self.model, watch.version, watch.step,
                                verdict.passed, verdict.detail, at)
        log.info("canary v%s step %d %s: %s", watch.version, watch.step,
                 "passed" if verdict.passed else "FAILED", verdict.detail)

    async def _follow(self, head: int) -> None:
        try:
            wanted = await asyncio.to_thread(self.source.wanted)
        except Exception as e:
            self.problem = f"not followed: {_why(e)}"
            log.error("registry moved (ledger #%d) but %s; still serving the current set", head,
                      self.problem)
            self.head = head
            return
        if wanted.canary is not None and (wanted.canary.version, wanted.canary.step) in \
                self.vetoed:
            wanted = _without_canary(wanted)
        self.head = head
        if wanted.key() == self.key:
            return
        models, fraction, watch = await asyncio.to_thread(
            self._build, wanted, self.current().served() + self.standby)
        if not models.ready:
            self.problem = "not followed: " + "; ".join(models.failures)
            log.error("registry moved (ledger #%d) but the new set is refused: %s; still "
                      "serving the current set", head, self.problem)
            return
        previous = self.watch
        if watch is not None and previous is not None and previous.version == watch.version \
                and fraction >= 1.0:  # at 100 % the champion scores nothing: compare with the
            watch.champion = previous.champion  # champion as the step before measured it
        self.install(models, fraction, watch)
        self.key, self.model, self.watch, self.problem = wanted.key(), wanted.model, watch, None
        self.swaps += 1
        log.info("following ledger #%d: champion v%s%s%s", head, wanted.champion.version,
                 f", canary v{wanted.canary.version} at {wanted.canary.fraction:.0%}"
                 if wanted.canary else "",
                 f", shadow v{wanted.shadow.version}" if wanted.shadow else "")
        await asyncio.to_thread(self._keep_standby, wanted, models)

    def _keep_standby(self, wanted, models: ModelSet) -> None:
        """Verify and load the previous production now, so rolling back to it swaps at once
        instead of verifying then (a standby that fails verification is simply not kept)."""
        slot = getattr(wanted, "standby", None)
        if slot is None:
            self.standby = []
            return
        if any(m.bundle == Path(slot.bundle).resolve() for m in self.standby):
            return
        kept = load_models(catalogue=self.catalogue, region=self.region, champion=slot.bundle,
                           reuse=models.served())
        self.standby = [kept.champion] if kept.ready else []

    async def _roll_back(self, watch: CanaryWatch, detail: str) -> None:
        """Take the canary out now (in memory, before anything is written), then record it."""
        self.vetoed.add((watch.version, watch.step))
        current = self.current()
        models = ModelSet(champion=current.champion, shadow=current.shadow)
        self.install(models, 0.0, None)
        self.watch = None
        self.key = None  # the next ledger head reloads whatever the ledger then says
        log.warning("canary v%s rolled back by its metric gate: %s", watch.version, detail)
        try:
            await asyncio.to_thread(self.source.roll_back, self.model, watch.version, detail)
        except Exception as e:
            log.error("the canary is out of service, but recording its rollback failed: %s",
                      _why(e))

    def _build(self, wanted, reuse) -> tuple[ModelSet, float, CanaryWatch | None]:
        paths: dict[str, Path | None] = {
            "champion": wanted.champion.bundle,
            "canary": wanted.canary.bundle if wanted.canary else None,
            "shadow": wanted.shadow.bundle if wanted.shadow else None}
        models = load_models(catalogue=self.catalogue, region=self.region, **paths,
                             approved=wanted.approved, reuse=reuse)
        canary = wanted.canary
        watch = CanaryWatch(canary.version, canary.step) if canary is not None else None
        return models, canary.fraction if canary is not None else 0.0, watch


def _why(e: Exception) -> str:
    """A Seawall error's one line (with what to do), else the exception's text."""
    diagnostics = getattr(e, "diagnostics", None)
    return diagnostics() if callable(diagnostics) else str(e)


def _without_canary(wanted):
    return replace(wanted, canary=None)
