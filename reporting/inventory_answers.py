"""`seawall inventory show`: the supervisor's seven questions about a model (design notes
38.8-38.9), each answered from the records that prove it: the promotion ledger's entries (sequence number
and hash), the registry's aliases and the monitoring reports in the decision log's store.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from artifacts.errors import ArtifactError
from artifacts.registry.governance import Governance
from artifacts.registry.promotion import CANARY_STEPS, State
from artifacts.registry.transitions import Transition

QUESTIONS = ("Who developed it?", "Who validated it?", "What version is live?",
             "When was it last backtested?", "What drift was observed?",
             "What incidents were logged?", "What is the rollback plan?")
BACKTEST_DETECTORS = ("auc", "calibration", "delong")


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    proof: list[str]  # the ledger entries and documents that show it


def seven_answers(gov: Governance, model: str, decision_log: str | None) -> list[Answer]:
    """The answers from the ledger (which `seawall promote` keeps the registry's aliases in
    step with) and the decision log's store; no registry read."""
    row = gov.inventory.get(model, gov.region)
    if row is None:
        raise ArtifactError(f"{model} is not in {gov.region}'s inventory (seawall inventory "
                            f"list --region {gov.region})")
    history = gov.log.history(model)
    held = {s: v for v, (s, _) in gov.ledger_states(model).items()}
    aliases = {alias: held[state] for alias, state in (
        ("production", State.PRODUCTION), ("canary", State.CANARY),
        ("previous-production", State.SUPERSEDED)) if state in held}
    reports = _reports(decision_log, model)

    def entries(*targets: State) -> list[str]:
        return [_entry(seq, digest, t) for seq, digest, t in history
                if t.to_state in {s.value for s in targets}]

    live, canary = aliases.get("production"), aliases.get("canary")
    live_text = f"version {live} (alias production)" if live else "no version is in production"
    if canary is not None:
        step = gov.log.state_of(model, canary)[1] or 0
        live_text += f"; version {canary} in canary at {CANARY_STEPS[step]:.0%} of traffic"
    tested = [r for r in reports if _backtests(r)]
    drift = [a for r in reports[-1:] for a in r["alerts"]]
    rollbacks = entries(State.ROLLED_BACK)
    refusals = gov.log.refusals(model)
    previous = aliases.get("previous-production")
    plan = (f"roll back to version {previous} (alias previous-production): seawall promote "
            f"{model} {live} --to rolled-back --region {gov.region} --ticket REF"
            if previous and live else "no previous production version: a rollback would leave "
            "nothing serving; retire instead (seawall promote ... --to retired)")
    return [
        Answer(QUESTIONS[0], f"{row.developer} (model owner {row.model_owner}, business owner "
               f"{row.business_owner})", entries(State.PENDING_VALIDATION)),
        Answer(QUESTIONS[1], f"{row.validator}, on {row.validation_done}; next review "
               f"{row.next_review}" if row.validator else "not validated yet",
               entries(State.VALIDATED)),
        Answer(QUESTIONS[2], live_text, entries(State.PRODUCTION, State.CANARY)),
        Answer(QUESTIONS[3], f"window {tested[-1]['window']} (report of "
               f"{tested[-1]['created_at']})" if tested else "never: no monitoring report holds "
               "an outcomes analysis (seawall outcomes load, then seawall monitor run)",
               [f"monitoring report {r['window']} ({r['created_at']})" for r in tested[-1:]]),
        Answer(QUESTIONS[4], "; ".join(f"{a['severity']} {a['summary']}" for a in drift)
               or ("no alert in the latest report" if reports else "not monitored yet "
                   "(seawall monitor run)"),
               [f"monitoring report {r['window']} ({r['created_at']})" for r in reports[-1:]]),
        Answer(QUESTIONS[5], f"{len(rollbacks)} rollback(s), {len(refusals)} refused "
               f"promotion(s)" + (f"; latest refusal {refusals[-1][0]}: {refusals[-1][3]}"
                                  if refusals else ""),
               rollbacks + [f"refusal {r[0]} v{r[1]} -> {r[2]}" for r in refusals[-3:]]),
        Answer(QUESTIONS[6], plan, entries(State.SUPERSEDED)),
    ]


def as_json(answers: list[Answer]) -> list[dict]:
    return [asdict(a) for a in answers]


def _entry(seq: int, digest: str, t: Transition) -> str:
    by = ", ".join(f"{a['signer']} as {a['role']}" for a in t.approvals) or "no approval needed"
    return (f"ledger #{seq} {digest[:12]}: v{t.version} {t.from_state} -> {t.to_state} "
            f"({t.decided_at}, ticket {t.ticket}; {by})")


def _backtests(report: dict) -> bool:
    return any(f["detector"] in BACKTEST_DETECTORS and f["verdict"] != "insufficient"
               for c in report["cohorts"] for f in c["findings"])


def _reports(url: str | None, model: str) -> list[dict]:
    """Every monitoring report of the model, oldest window first ([] without a log)."""
    if url is None:
        return []
    from artifacts.ledger import open_store

    store = open_store(url, read_only=True)
    try:
        return [json.loads(b) for b in store.documents("monitoring_report", model, "0000",
                                                       "9999")]
    finally:
        store.close()
