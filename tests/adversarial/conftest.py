"""The standing adversarial suite: one file per corpus (bundle tamper, bad input, log tamper,
replay, authentication, fuzzed scoring input), each case asserting the check that refuses it.
At the end of a run, a line per corpus says how many cases were tried and how many were
refused as they must be (a Hypothesis test counts once, for all its examples)."""

from __future__ import annotations

from collections import Counter


def pytest_terminal_summary(terminalreporter) -> None:
    tried, refused = Counter(), Counter()
    for outcome in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if "tests/adversarial/" not in nodeid or report.when != "call":
                continue
            corpus = nodeid.split("::")[0].rsplit("/", 1)[-1].removesuffix(".py")
            tried[corpus] += 1
            refused[corpus] += outcome == "passed"
    if tried:
        terminalreporter.section("adversarial corpora (cases tried / refused as they must be)")
        for corpus in sorted(tried):
            terminalreporter.line(f"{corpus:<28} {tried[corpus]:>4} / {refused[corpus]:>4}")
