"""Decisions to log, for the decision-log and writer tests."""

from __future__ import annotations

from artifacts.ledger import Decision, DecisionColumns


def decision(i: int, **changes) -> Decision:
    d = Decision(request_id=f"req-{i}", decided_at="2026-11-23T09:00:00.000001+00:00",
                 endpoint="score", role="champion", model_name="uci-credit-default",
                 model_version="3", bundle_digest="ab" * 32, application_id=f"APP-{i}",
                 features_sha256="cd" * 32, probability=0.1 + i / 1000, points=612.5,
                 reason_codes=("RC05", "RC01"))
    return d._replace(**changes)


def request(*decisions: Decision) -> list[DecisionColumns]:
    """What one request hands the writer: each decision as columns of one row."""
    return [DecisionColumns.of(d) for d in decisions]
