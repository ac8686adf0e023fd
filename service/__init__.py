"""The onshore scoring service: FastAPI + onnxruntime, fail-closed, observable, with a
tamper-evident decision log.

Public API (stable)::

    from service import ServiceSettings, create_app

    app = create_app(ServiceSettings(region="onshore-hn", bundle=path,
                                     decision_log=".seawall/regions/onshore-hn/decisions.db",
                                     jwt_issuer="https://idp.bank.vn", jwt_audience="seawall",
                                     jwt_jwks=Path("/var/run/secrets/seawall/jwks.json")))
    # uvicorn.run(app) -- or `seawall serve`, which runs `app_from_env` in each worker

The decision log's chain and stores are `artifacts.ledger`'s; the group-commit writer that
appends to it (`DecisionWriter`, `service.log_process`) is the service's.

Imports `artifacts` (bundle, verification, ledger) and `regions`.
"""

from regions import _exports
from service.errors import DecisionLogError, ServiceError
from service.logs import JsonFormatter, log_config

# The web app, the contract checks and the models load on first use (PEP 562), so the
# decision-log writer process (`service.log_process`) and `seawall decisions verify` start
# without FastAPI, onnxruntime or the training libraries.
_LAZY = {
    "app_from_env": "service.app", "create_app": "service.app",
    "Batch": "service.contract_check", "ContractViolation": "service.contract_check",
    "RequestParser": "service.contract_check", "FieldViolation": "service.contract_check",
    "ArrowChecker": "service.arrow_check", "read_stream": "service.arrow_stream",
    "ModelSet": "service.served_models", "Role": "service.served_models",
    "ServedModel": "service.served_models", "load_models": "service.served_models",
    "Endpoint": "service.scoring", "Scorecard": "service.scoring", "Scorer": "service.scoring",
    "canary_rows": "service.scoring",
    "ServiceSettings": "service.settings", "get_settings": "service.settings",
    "DecisionWriter": "service.log_writer",  # asyncio: not for the CLI's start
}


__getattr__, __dir__ = _exports.lazy_exports(__name__, _LAZY)


__all__ = [
    "ArrowChecker",
    "Batch",
    "ContractViolation",
    "DecisionLogError",
    "DecisionWriter",
    "Endpoint",
    "FieldViolation",
    "JsonFormatter",
    "ModelSet",
    "RequestParser",
    "Role",
    "Scorecard",
    "Scorer",
    "ServedModel",
    "ServiceError",
    "ServiceSettings",
    "app_from_env",
    "canary_rows",
    "create_app",
    "get_settings",
    "load_models",
    "log_config",
    "read_stream",
]
