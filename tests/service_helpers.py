"""Settings for a service under test: the session's serving bundle, a log in `tmp_path`, no
access log, and no client authentication (tests/unit/service/test_auth.py and
tests/integration/service/test_mtls.py test that); `changes` override any of them."""

from __future__ import annotations

from service import ServiceSettings


def service_settings(serving, tmp_path, **changes) -> ServiceSettings:
    base = {"region": "onshore-hn", "bundle": serving.champion, "catalogue": serving.catalogue,
            "decision_log": str(tmp_path / "decisions.db"), "access_log": False,
            "insecure_no_auth": True}
    return ServiceSettings(**{**base, **changes})
