"""Scoring a validated batch: probabilities, scorecard points, reason codes, decisions to log.

Nothing here knows about HTTP. `Scorer.decide` routes each row to the champion or the canary
(stable per application id), scores each group with one onnxruntime call, scores every row
again with the shadow challenger when there is one, and returns the answer rows together with
the `Decision` records the log must hold before the answer may leave.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import numpy as np

from artifacts.bundle import top_reasons
from artifacts.ledger import DecisionColumns
from service.canary_gate import CanaryWatch
from service.contract_check import Batch
from service.served_models import ModelSet, ServedModel

log = logging.getLogger("seawall.service")


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
    decisions: list[DecisionColumns]  # one per model that scored rows of this request
    by_model: list[tuple[ServedModel, np.ndarray]]  # probabilities per model, for metrics


class Scorer:
    def __init__(self, models: ModelSet, scorecard: Scorecard, canary_fraction: float, *,
                 keep_features: bool = False, watch: CanaryWatch | None = None) -> None:
        assert models.champion is not None
        self.models, self.scorecard, self.canary_fraction = models, scorecard, canary_fraction
        self.keep_features = keep_features  # send each row's values to the log's companion
        self.watch = watch  # the canary step's gate: what each cohort's scoring cost and gave

    def decide(self, endpoint: Endpoint, batch: Batch, request_id: str,
               top_n: int | None = None, caller: str | None = None, *, answers: bool = True
               ) -> Scored:
        """Score `batch` with every model it goes to; `caller` (the authenticated client) goes
        into each decision. Without `answers` only the decisions are made (`results` is empty):
        a batch job writes them as columns."""
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        sha256 = hashlib.sha256  # each row's JSON text: hashed for the chain, kept beside it
        hashes = [sha256(t).hexdigest() for t in batch.texts]
        kept = [t.decode() for t in batch.texts] if self.keep_features else None
        ids = batch.application_ids
        groups = [(self.models.champion, None)]  # None: every row
        if self.models.canary is not None:
            to_canary = canary_rows(ids, self.canary_fraction)
            groups = [(self.models.champion, np.flatnonzero(~to_canary).tolist()),
                      (self.models.canary, np.flatnonzero(to_canary).tolist())]
        results: list[dict] = [None] * batch.rows  # type: ignore[list-item]  # filled below
        decisions, by_model = [], []
        for model, rows in groups:
            if rows is not None and not rows:
                continue
            feeds = batch.feeds if rows is None else _take(batch.feeds, rows)
            answer = self._watched(model, endpoint, feeds, top_n)
            if answer is None:  # the canary failed these rows: the champion answers them
                model = self.models.champion
                answer = self._score(model, endpoint, feeds, top_n)
            by_model.append((model, answer.probabilities))
            if answers and rows is None:
                results = answer.results(model)
            elif answers:
                for i, row in zip(rows, answer.results(model)):
                    results[i] = row
            decisions.append(answer.decisions(
                model, endpoint, request_id, now, ids if rows is None else [ids[i] for i in rows],
                hashes if rows is None else [hashes[i] for i in rows], caller,
                _rows(kept, rows)))
        if self.models.shadow is not None:
            shadow = self.models.shadow
            answer = self._score(shadow, endpoint, batch.feeds, top_n)
            by_model.append((shadow, answer.probabilities))
            decisions.append(answer.decisions(shadow, endpoint, request_id, now, ids, hashes,
                                              caller, kept))
        return Scored(results if answers else [], decisions, by_model)

    def _watched(self, model: ServedModel, endpoint: Endpoint, feeds: dict, top_n: int | None
                 ) -> _Answer | None:
        """`_score`, timed for the canary gate; None when the canary fails to score."""
        if self.watch is None:
            return self._score(model, endpoint, feeds, top_n)
        canary = model is self.models.canary
        start = time.perf_counter()
        try:
            answer = self._score(model, endpoint, feeds, top_n)
        except Exception:
            if not canary:
                raise
            log.exception("canary %s v%s failed to score %d row(s); the champion answers them",
                          model.name, model.version, len(next(iter(feeds.values()))))
            self.watch.failed(len(next(iter(feeds.values()))))
            return None
        self.watch.scored(canary, answer.probabilities, time.perf_counter() - start)
        return answer

    def _score(self, model: ServedModel, endpoint: Endpoint, feeds: dict, top_n: int | None
               ) -> _Answer:
        p = model.scorer.probabilities(feeds)
        answer = _Answer(p, p.tolist())
        if endpoint is Endpoint.SCORE:
            answer.points = self.scorecard.points(p).tolist()
        if endpoint in (Endpoint.SCORE, Endpoint.EXPLAIN):
            names = model.contract.names
            contributions = model.scorer.contributions(feeds, model.reasons.baseline)
            picked = top_reasons(contributions, names, top_n or model.reasons.top_n)
            index = {n: j for j, n in enumerate(names)}
            answer.reasons = [[(n, float(contributions[r, index[n]])) for n in row]
                              for r, row in enumerate(picked)]
        return answer


@dataclass
class _Answer:
    """One model's answer for a group of rows, as plain Python values."""

    probabilities: np.ndarray  # for the score histogram
    listed: list[float]
    points: list[float] | None = None
    reasons: list[list[tuple[str, float]]] | None = None  # (field, contribution) per row

    def results(self, model: ServedModel) -> list[dict]:
        version, role = model.version, model.logged_role
        rows = [{"probability_of_default": p, "model_version": version, "role": role}
                for p in self.listed]
        if self.points is not None:
            for row, points in zip(rows, self.points):
                row["score"] = points
        if self.reasons is not None:
            codes = model.reasons.codes
            for row, reasons in zip(rows, self.reasons):
                row["reasons"] = [{"code": codes[n]["code"], "field": n,
                                   "contribution": round(c, 6), "en": codes[n]["en"],
                                   "vi": codes[n]["vi"]} for n, c in reasons]
        return rows

    def decisions(self, model: ServedModel, endpoint: Endpoint, request_id: str, now: str,
                  application_ids: list[str | None], hashes: list[str], caller: str | None,
                  features: list[list] | None) -> DecisionColumns:
        codes = model.reasons.codes
        return DecisionColumns(
            request_id, now, endpoint.value, model.logged_role, model.name, model.version,
            model.bundle_digest, application_ids, hashes, self.listed, self.points,
            None if self.reasons is None else [[codes[n]["code"] for n, _ in row]
                                               for row in self.reasons], caller, features)


def _rows(values: list | None, rows: list[int] | None) -> list | None:
    return values if values is None or rows is None else [values[i] for i in rows]


def _take(feeds: dict, rows: list[int]) -> dict:
    return {name: column[rows] for name, column in feeds.items()}
