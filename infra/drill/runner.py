"""One drill: load through the router, a fault in the primary region, the failover, the figures.

The failover controller here does what a cluster operator (CloudNativePG, Patroni) and a GSLB do
in production, and no more: it probes the primary's `/ready` every `PROBE_S` and declares it
down after `DOWN_AFTER` failed probes (refused, timed out, or not ready); it fences the primary
(kills its service, stops its database immediately, so nothing can write there again); it
promotes the standby (`pg_ctl promote`). The DR service, already running `--standby`, turns
ready once its log takes writes, and HAProxy moves traffic on its next health check.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from artifacts.drill_report import DrillReport, Event, Figures, RegionCheck
from infra.drill import measure
from infra.drill.errors import DrillError
from infra.drill.load import Load
from infra.drill.topology import Site, Topology

PROBE_S = 0.05  # seconds between the controller's probes of the primary
PROBE_TIMEOUT = 0.25  # a probe not answered within this is a failed probe (a frozen region)
DOWN_AFTER = 2  # failed probes in a row before the primary is declared down
CAUGHT_UP_TIMEOUT = 15.0  # seconds the standby has to catch up before a drill is refused


class Fault(StrEnum):
    KILL = "kill"  # kill -9 of the primary's service
    FREEZE = "freeze"  # SIGSTOP of it: a grey failure, the port open and silent
    DB_KILL = "db-kill"  # kill -9 of the primary's database


@dataclass(frozen=True)
class Plan:
    fault: Fault
    rps: float
    duration: float  # seconds of load
    fault_at: float  # seconds into the load
    rows: list[dict]  # application rows the client sends (the golden set's)


def run_one(topology: Topology, primary: str, dr: str, plan: Plan, *, direction: str,
            checks: list[RegionCheck], progress: Callable[[str], None]) -> DrillReport:
    """Drill from `primary` to `dr` on a topology that is up; the report."""
    p, d = topology.sites[primary], topology.sites[dr]
    started_at = _now()
    status = p.cluster.wait_caught_up(d.cluster.name, CAUGHT_UP_TIMEOUT)
    progress(f"{dr} standby caught up ({status['sync_state']}, replay lag "
             f"{status['replay_lag_bytes']} bytes)")
    prefix = f"drill-{direction}-{int(time.time())}"
    clock = time.monotonic()
    load = Load(topology.router.url, plan.rows, rps=plan.rps, clock=clock, prefix=prefix)
    events = [Event(t=0.0, what=f"load starts: {plan.rps:g} requests/s through HAProxy")]
    load.start()
    try:
        _sleep_until(clock + plan.fault_at)
        fault_at = load.now()
        _inject(plan.fault, p)
        events.append(Event(t=round(fault_at, 3), what=f"fault: {_describe(plan.fault, primary)}"))
        progress(f"fault injected at {fault_at:.2f} s: {_describe(plan.fault, primary)}")
        detected = _detect(p, load.now)
        events.append(Event(t=round(detected, 3), what=f"controller: {primary} declared down "
                            f"({DOWN_AFTER} failed probes of /ready)"))
        _fence(p)
        events.append(Event(t=round(load.now(), 3), what=f"{primary} fenced: its service "
                            "killed, its database stopped"))
        head = d.cluster.head()
        promoting = load.now()
        d.cluster.promote()
        promoted = load.now()
        events.append(Event(t=round(promoted, 3), what=f"{dr} database promoted "
                            f"(chain head taken over: seq {head[0] if head else 0})"))
        progress(f"{dr} promoted {promoted - fault_at:.2f} s after the fault")
        _sleep_until(clock + plan.duration)
    finally:
        load.stop()
    attempts = load.attempts
    figures = measure.client_figures(attempts, fault_at, dr)
    first_dr = fault_at + figures["rto_s"]
    events.append(Event(t=round(first_dr, 3), what=f"first answer from {dr}"))
    events.append(Event(t=round(load.now(), 3), what=f"load stops: {len(attempts)} attempts, "
                        f"{figures['requests']} requests"))
    log = measure.log_figures(d.cluster.url, measure.acknowledged_ids(attempts), prefix, head)
    if log.pop("chain_problem"):
        events.append(Event(t=round(load.now(), 3), what="the DR log's chain does not verify"))
    champion = topology.versions[dr]["models"][0]
    checks = [_served(c, topology.versions.get(c.region)) for c in checks]
    return DrillReport(
        drill_id=prefix, direction=direction, started_at=started_at, finished_at=_now(),
        from_region=primary, to_region=dr, fault=plan.fault.value, model=champion["model"],
        model_version=champion["version"], bundle_digest=champion["bundle_digest"],
        rps=plan.rps, duration_s=plan.duration,
        figures=Figures(detection_s=round(detected - fault_at, 3),
                        promote_s=round(promoted - promoting, 3), **figures, **log),
        regions=checks, timeline=sorted(events, key=lambda e: e.t),
        series=measure.series(attempts),
        topology={"router": "HAProxy, health check GET /ready every 100 ms",
                  "database": "PostgreSQL streaming replication, synchronous "
                              "(synchronous_commit on), standby from pg_basebackup",
                  "services": f"seawall serve in {primary} and {dr} (DR: --standby)",
                  "client": "open-loop load, retries with the same X-Request-ID"})


def _served(check: RegionCheck, version: dict | None) -> RegionCheck:
    """The region's pre-drill verification, failed if its service served another bundle."""
    served = (version or {}).get("models", [{}])[0].get("bundle_digest")
    if served == check.bundle_digest:
        return check
    return replace(check, passed=False, failures=[*check.failures, f"its service served "
                                                  f"{served}, not the verified bundle"])


def _inject(fault: Fault, site: Site) -> None:
    if fault is Fault.KILL:
        site.service.signal(signal.SIGKILL)
    elif fault is Fault.FREEZE:
        site.service.signal(signal.SIGSTOP)
    else:
        site.cluster.kill()


def _detect(site: Site, now: Callable[[], float], timeout: float = 30.0) -> float:
    """Probe the primary until it fails `DOWN_AFTER` times in a row; when it was declared."""
    failed, deadline = 0, now() + timeout
    while now() < deadline:
        failed = 0 if site.service.ready(PROBE_TIMEOUT) else failed + 1
        if failed >= DOWN_AFTER:
            return now()
        time.sleep(PROBE_S)
    raise DrillError(f"{site.region} was not detected as down within {timeout:g} s of the "
                     "fault")


def _fence(site: Site) -> None:
    site.service.kill()  # a frozen process dies too: SIGKILL needs no cooperation
    site.cluster.stop("immediate")


def _describe(fault: Fault, region: str) -> str:
    return {Fault.KILL: f"kill -9 of {region}'s service",
            Fault.FREEZE: f"SIGSTOP of {region}'s service (grey failure)",
            Fault.DB_KILL: f"kill -9 of {region}'s database"}[fault]


def _sleep_until(deadline: float) -> None:
    pause = deadline - time.monotonic()
    if pause > 0:
        time.sleep(pause)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
