"""What a bearer-token check costs per request, in-process: the first sight of a token (an
ES256 signature check and the claims) against a token seen before (a cache lookup), and the
whole `AuthPolicy.authenticate` a request goes through. bench/serve_peers.py measures the
service end to end with and without tokens.

    .venv/bin/python bench/auth_check.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.auth import AuthPolicy, TokenValidator  # noqa: E402
from service.dev_issuer import create_issuer, issue_token  # noqa: E402


def per_call_us(fn, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        jwks = create_issuer(Path(tmp))
        token = issue_token(Path(tmp), issuer="https://idp", audience="seawall", subject="bench",
                            scopes=["seawall:predict"])
        validator = TokenValidator("https://idp", "seawall", jwks)
        policy = AuthPolicy(tokens=validator, mtls=False, mtls_scopes=frozenset(),
                            metrics_open=True)
        scope = {"path": "/predict", "headers": [
            (b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {token}".encode())]}
        first = per_call_us(lambda: validator._check(token), 500)
        policy.authenticate(scope)
        cached = per_call_us(lambda: policy.authenticate(scope), 200_000)
    print(f"first sight of a token (signature + claims): {first:8.1f} µs\n"
          f"a token seen before (whole authenticate):     {cached:8.2f} µs\n"
          f"ratio: {first / cached:,.0f}x")


if __name__ == "__main__":
    main()
