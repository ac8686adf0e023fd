"""Prometheus metrics for the scoring service (prometheus-client, its naming conventions).

Each app gets its own `CollectorRegistry`, so tests can build several apps in one process.
With several uvicorn workers, `seawall serve` sets `PROMETHEUS_MULTIPROC_DIR` before the
workers start: every worker then writes its values to shared files and `/metrics` aggregates
them with `MultiProcessCollector` (gauges use a `multiprocess_mode` that says how).
"""

from __future__ import annotations

import os
from collections import Counter as Tally

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

from artifacts import metric_names as names

LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25,
                   0.5, 1.0, 2.5)
PROBABILITY_BUCKETS = tuple(round(0.05 * i, 2) for i in range(1, 21))
KNOWN_ENDPOINTS = frozenset({"/health", "/ready", "/version", "/predict", "/score", "/explain",
                             "/metrics", "/docs", "/openapi.json", "/checkpoint"})
_ENVELOPE = frozenset({"(body)", "(row)", "(content-type)", "rows", "application_ids",
                       "top_n"})  # fields a client cannot name


class ServiceMetrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.requests = Counter(names.HTTP_REQUESTS, "HTTP requests answered.",
                                ["endpoint", "status", "model_version"], registry=r)
        self.latency = Histogram(names.HTTP_REQUEST_DURATION,
                                 "Time from request start to the last response byte.",
                                 ["endpoint"], buckets=LATENCY_BUCKETS, registry=r)
        self.in_flight = Gauge(names.HTTP_REQUESTS_IN_FLIGHT, "Requests being served.",
                               registry=r, multiprocess_mode="livesum")
        self.scores = Histogram(names.SCORE_PROBABILITY,
                                "Scored probabilities of default.",
                                ["model_version", "role"], buckets=PROBABILITY_BUCKETS,
                                registry=r)
        self.violations = Counter(names.CONTRACT_VIOLATIONS,
                                  "Contract violations in rejected requests.", ["field", "rule"],
                                  registry=r)
        self.bundle_verified = Gauge(names.BUNDLE_VERIFIED,
                                     "1 if the configured bundle passed verification at start-up "
                                     "and is served, else 0.", ["role"], registry=r,
                                     multiprocess_mode="livemin")
        self._children: dict[tuple, object] = {}
        self.decisions = Counter(names.DECISIONS_LOGGED, "Decisions committed to the "
                                 "decision log.", registry=r)
        self.replayed = Counter(names.REQUESTS_REPLAYED, "Retried requests answered from the "
                                "decision log (their request id was already logged).",
                                registry=r)
        self.checkpoint_size = Gauge(names.CHECKPOINT_SIZE, "Decisions the latest signed "
                                     "checkpoint covers.", registry=r, multiprocess_mode="max")
        self.checkpoint_signed = Gauge(names.CHECKPOINT_SIGNED, "When the latest checkpoint was "
                                       "signed (Unix time).", registry=r,
                                       multiprocess_mode="max")

    def checkpoint_signed_at(self, size: int, when: float) -> None:
        self.checkpoint_size.set(size)
        self.checkpoint_signed.set(when)

    def observe_request(self, endpoint: str, status: int, model_version: str,
                        seconds: float) -> None:
        key = (endpoint, status, model_version)
        children = self._children.get(key)
        if children is None:  # labels() costs a lock and a dict lookup: keep the children
            children = self._children[key] = (
                self.requests.labels(endpoint, str(status), model_version),
                self.latency.labels(endpoint))
        children[0].inc()
        children[1].observe(seconds)

    def observe_scores(self, model_version: str, role: str, probabilities) -> None:
        histogram = self._children.get((model_version, role))
        if histogram is None:
            histogram = self._children[(model_version, role)] = self.scores.labels(model_version,
                                                                                  role)
        for p in probabilities.tolist():
            histogram.observe(p)

    def endpoint(self, path: str) -> str:
        """The path as a label; unknown paths share one label (bounded cardinality)."""
        return path if path in KNOWN_ENDPOINTS else "other"

    def count_violations(self, violations, known_fields: frozenset[str]) -> None:
        tally = Tally((v.field if v.field in known_fields or v.field in _ENVELOPE
                       else "(unknown)", v.rule) for v in violations)
        for (name, rule), n in tally.items():
            self.violations.labels(name, rule).inc(n)

    def exposition(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)
