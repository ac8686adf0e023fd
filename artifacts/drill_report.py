"""The DR drill report: a typed, format-tagged document (`seawall.drill_report/v1`).

`infra.drill` fills it in from a drill it ran on real servers; the `seawall drill` command
appends it to the region's ledger (beside the monitoring reports); `reporting` renders it as
HTML and puts it in the evidence pack, reading only this document. Every figure is measured in
the drill: nothing here is a constant but the targets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from artifacts.documents import Document, DocumentError

DRILL_KIND = "drill_report"  # the ledger's document kind
TARGETS = {"rto_s": 2.0, "rpo_lost": 0, "failed_requests": 0}
REGULATION = (
    ("Circular 09/2020 (VN)", "DR takeover, level-3+ systems", "the DR system takes over "
     "within 4 hours; the drill measures the takeover (RTO) against that limit and against "
     "Seawall's own target"),
    ("Circular 13/2018 (VN)", "Appendix 01", "continuity of the model's operation, evidenced "
     "by a tested failover"),
    ("EU AI Act", "Art 15", "robustness and resilience of a high-risk AI system against faults "
     "and errors, incl. technical redundancy and fail-safe plans"),
)


@dataclass(frozen=True, kw_only=True)
class RegionCheck:
    """A region's verification of the bundle it served in the drill, under its own policy."""

    region: str
    role: str  # primary | dr
    passed: bool
    trust_policy: str = ""
    signer: str = ""
    trusted_as: str = ""
    bundle_digest: str = ""
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class Event:
    t: float  # seconds since the load started
    what: str


@dataclass(frozen=True, kw_only=True)
class Bin:
    """One slice of the drill's timeline, as the client saw it."""

    t: float  # start of the slice, seconds since the load started
    answered: int  # attempts answered 200
    failed: int  # attempts that failed (and were retried)
    p50_ms: float | None = None
    p95_ms: float | None = None
    served_by: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Figures:
    detection_s: float  # fault to the failover controller's verdict "primary down"
    promote_s: float  # the standby's promotion (pg_ctl promote -w)
    rto_s: float  # fault to the first 200 from the DR region
    rpo_lost: int  # acknowledged decisions absent from the DR log after promotion
    failed_requests: int  # requests never answered 200, retries included
    requests: int
    acknowledged: int
    retried_requests: int  # requests that needed more than one attempt
    replayed_requests: int  # retries the service answered from its log
    logged_twice: int  # request ids with more decisions than rows (must be 0)
    chain_intact: bool  # the DR log verifies end to end
    chain_records: int
    head_at_failover: int  # the chain head the DR region took over (seq)
    continues_chain: bool  # the DR region's first record links to that head


@dataclass(frozen=True, kw_only=True)
class DrillReport(Document):
    FORMAT: ClassVar[str] = "seawall.drill_report/v1"
    drill_id: str
    direction: str  # failover | failback
    started_at: str
    finished_at: str
    from_region: str  # the primary at the start
    to_region: str  # the DR region that took over
    fault: str  # kill | freeze | db-kill
    model: str
    model_version: str
    bundle_digest: str
    rps: float
    duration_s: float
    figures: Figures
    targets: dict[str, float] = field(default_factory=lambda: dict(TARGETS))
    regions: list[RegionCheck] = field(default_factory=list)
    timeline: list[Event] = field(default_factory=list)
    series: list[Bin] = field(default_factory=list)
    topology: dict[str, str] = field(default_factory=dict)
    regulation: list[list[str]] = field(default_factory=lambda: [list(r) for r in REGULATION])

    def __post_init__(self) -> None:
        missing = sorted(TARGETS.keys() - self.targets.keys())
        if missing:
            raise DocumentError(f"drill report: field 'targets' lacks {', '.join(missing)}")

    def results(self) -> dict[str, bool]:
        """Each target: met or not."""
        f = self.figures
        return {"rto_s": f.rto_s <= self.targets["rto_s"],
                "rpo_lost": f.rpo_lost <= self.targets["rpo_lost"],
                "failed_requests": f.failed_requests <= self.targets["failed_requests"],
                "chain": f.chain_intact and f.continues_chain and f.logged_twice == 0,
                "verified": bool(self.regions) and all(r.passed for r in self.regions)}

    @property
    def passed(self) -> bool:
        return all(self.results().values())
