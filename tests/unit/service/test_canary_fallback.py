"""A canary that fails to score never fails a request: the champion answers its rows, the
decisions say so, and the canary's gate counts the failure."""

from __future__ import annotations

from dataclasses import replace

import orjson

from regions import load_catalogue
from service.canary_gate import CanaryWatch, Limits
from service.contract_check import RequestParser
from service.scoring import Endpoint, Scorecard, Scorer
from service.served_models import load_models


class Broken:
    def probabilities(self, feeds):
        raise RuntimeError("onnxruntime: invalid output shape")


def test_the_champion_answers_the_rows_a_failing_canary_cannot(serving):
    models = load_models(catalogue=load_catalogue(serving.catalogue), region="onshore-hn",
                         champion=serving.champion, canary=serving.challenger)
    models.canary = replace(models.canary, scorer=Broken())
    watch = CanaryWatch(models.canary.version, 0)
    scorer = Scorer(models, Scorecard(600, 50, 20), 0.5, watch=watch)
    rows = serving.rows(40)
    ids = [f"A-{i}" for i in range(40)]
    batch = RequestParser(models.champion.contract, max_rows=100).parse(
        orjson.dumps({"rows": rows, "application_ids": ids}))
    scored = scorer.decide(Endpoint.PREDICT, batch, "r-1")
    assert len(scored.results) == 40 and {r["role"] for r in scored.results} == {"champion"}
    assert {d.role for d in scored.decisions} == {"champion"}
    assert sum(len(d.probabilities) for d in scored.decisions) == 40
    failed = watch.canary.errors
    assert 0 < failed < 40 and watch.champion.rows == 40 - failed  # the canary's share, ~half
    verdict = watch.judge(Limits(min_rows=10))
    assert verdict is not None and not verdict.passed and "error rate 100.0%" in verdict.detail
