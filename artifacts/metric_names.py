"""The Prometheus metrics the onshore service exports: a contract between `service`, which
exports them, and the areas that query them (`infra`'s PrometheusRule, later `monitoring`).

Names are the metric family names as `prometheus_client` takes them; a counter is exported with
a `_total` suffix and a histogram as `_bucket`, `_count` and `_sum` series (`series()` gives
them). `tests/unit/test_metric_contract.py` checks every series an alert rule uses against what
the service's registry actually exports.
"""

from __future__ import annotations

HTTP_REQUESTS = "seawall_http_requests"  # counter: endpoint, status, model_version
HTTP_REQUEST_DURATION = "seawall_http_request_duration_seconds"  # histogram: endpoint
HTTP_REQUESTS_IN_FLIGHT = "seawall_http_requests_in_flight"  # gauge
SCORE_PROBABILITY = "seawall_score_probability_of_default"  # histogram: model_version, role
CONTRACT_VIOLATIONS = "seawall_contract_violations"  # counter: field, rule
BUNDLE_VERIFIED = "seawall_bundle_verified"  # gauge: role
DECISIONS_LOGGED = "seawall_decisions_logged"  # counter
REQUESTS_REPLAYED = "seawall_requests_replayed"  # counter: retries answered from the log
CHECKPOINT_SIZE = "seawall_checkpoint_tree_size"  # gauge: decisions the last checkpoint covers
CHECKPOINT_SIGNED = "seawall_checkpoint_signed_timestamp_seconds"  # gauge: when it was signed


def series(name: str, kind: str) -> str:
    """The exported series of metric `name`: `total` for a counter, `bucket`, `count` or
    `sum` for a histogram, `` for a gauge."""
    return f"{name}_{kind}" if kind else name
