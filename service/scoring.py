"""Scoring a validated batch: probabilities, scorecard points, reason codes, decisions to log.

Nothing here knows about HTTP. `Scorer.decide` routes each row to the champion or the canary
(stable per application id), scores each group with one onnxruntime call, scores every row
again with the shadow challenger when there is one, and returns the answer rows together with
the `Decision` records the log must hold before the answer may leave.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import numpy as np

from artifacts import top_reasons
from service.contract_check import Batch
from service.decision_log import Decision, features_sha256
from service.models import ModelSet, ServedModel


class Endpoint(StrEnum):
    PREDICT = "predict"  # probabilities
    SCORE = "score"  # scorecard points (and the reasons behind them)
    EXPLAIN = "explain"  # reason codes


@dataclass(frozen=True)
class Scorecard:
    """Points = offset + factor * ln(good:bad odds); `base_odds` scores `base_score`, and every
    `points_to_double_odds` points the odds double."""

    base_score: float
    base_odds: float
    points_to_double_odds: float

    def points(self, probability: np.ndarray) -> np.ndarray:
        p = np.clip(probability, 1e-12, 1 - 1e-12)
        factor = self.points_to_double_odds / math.log(2)
        offset = self.base_score - factor * math.log(self.base_odds)
        return np.round(offset + factor * np.log((1 - p) / p), 2)


def canary_rows(application_ids: list[str | None], fraction: float) -> np.ndarray:
    """Which rows go to the canary: the same id always lands on the same side."""
    if fraction <= 0:
        return np.zeros(len(application_ids), dtype=bool)
    return np.array([i is not None and int.from_bytes(hashlib.sha256(i.encode()).digest()[:8])
                     < fraction * 2.0 ** 64 for i in application_ids], dtype=bool)


@dataclass(frozen=True)
class Scored:
    results: list[dict]
    decisions: list[Decision]
    by_model: list[tuple[ServedModel, np.ndarray]]  # probabilities per model, for metrics


class Scorer:
    def __init__(self, models: ModelSet, scorecard: Scorecard, canary_fraction: float) -> None:
        assert models.champion is not None
        self.models, self.scorecard, self.canary_fraction = models, scorecard, canary_fraction

    def decide(self, endpoint: Endpoint, batch: Batch, request_id: str,
               top_n: int | None = None) -> Scored:
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        hashes = [features_sha256(v) for v in batch.values]
        results: list[dict] = [{} for _ in range(batch.rows)]
        decisions: list[Decision] = []
        by_model = []
        everyone = range(batch.rows)
        groups = [(self.models.champion, everyone)]
        if self.models.canary is not None:
            to_canary = canary_rows(batch.application_ids, self.canary_fraction)
            groups = [(self.models.champion, np.flatnonzero(~to_canary)),
                      (self.models.canary, np.flatnonzero(to_canary))]
        for model, rows in groups:
            if not len(rows):
                continue
            feeds = batch.feeds if rows is everyone else _take(batch.feeds, rows)
            answer = self._score(model, endpoint, feeds, top_n)
            by_model.append((model, answer["probability_of_default"]))
            for k, i in enumerate(rows):
                i = int(i)
                results[i] = _row(model, answer, k)
                decisions.append(_decision(model, endpoint, answer, k, i, batch, hashes,
                                           request_id, now))
        if self.models.shadow is not None:
            shadow = self.models.shadow
            answer = self._score(shadow, endpoint, batch.feeds, top_n)
            by_model.append((shadow, answer["probability_of_default"]))
            decisions.extend(_decision(shadow, endpoint, answer, i, i, batch, hashes, request_id,
                                       now) for i in range(batch.rows))
        return Scored(results, decisions, by_model)

    def _score(self, model: ServedModel, endpoint: Endpoint, feeds: dict, top_n: int | None
               ) -> dict:
        p = model.scorer.probabilities(feeds)
        answer: dict = {"probability_of_default": p}
        if endpoint is Endpoint.SCORE:
            answer["points"] = self.scorecard.points(p)
        if endpoint in (Endpoint.SCORE, Endpoint.EXPLAIN):
            names = model.contract.names
            contributions = model.scorer.contributions(feeds, model.reasons.baseline)
            picked = top_reasons(contributions, names, top_n or model.reasons.top_n)
            index = {n: j for j, n in enumerate(names)}
            answer["reasons"] = [[(n, float(contributions[r, index[n]])) for n in row]
                                 for r, row in enumerate(picked)]
        return answer


def _take(feeds: dict, rows: np.ndarray) -> dict:
    return {name: column[rows] for name, column in feeds.items()}


def _row(model: ServedModel, answer: dict, k: int) -> dict:
    row = {"probability_of_default": float(answer["probability_of_default"][k]),
           "model_version": model.version, "role": model.role.value}
    if "points" in answer:
        row["score"] = float(answer["points"][k])
    if "reasons" in answer:
        codes = model.reasons.codes
        row["reasons"] = [{"code": codes[n]["code"], "field": n, "contribution": round(c, 6),
                           "en": codes[n]["en"], "vi": codes[n]["vi"]}
                          for n, c in answer["reasons"][k]]
    return row


def _decision(model: ServedModel, endpoint: Endpoint, answer: dict, k: int, i: int,
              batch: Batch, hashes: list[str], request_id: str, now: str) -> Decision:
    reasons = answer.get("reasons")
    return Decision(
        request_id=request_id, decided_at=now, endpoint=endpoint.value, role=model.role.value,
        model_name=model.name, model_version=model.version, bundle_digest=model.bundle_digest,
        application_id=batch.application_ids[i], features_sha256=hashes[i],
        probability=float(answer["probability_of_default"][k]),
        points=float(answer["points"][k]) if "points" in answer else None,
        reason_codes=tuple(model.reasons.codes[n]["code"] for n, _ in reasons[k])
        if reasons is not None else None)
