"""The onshore scoring service: FastAPI + onnxruntime, fail-closed, observable, with a
tamper-evident decision log.

Public API (stable)::

    from service import ServiceSettings, create_app, open_store, verify_chain

    app = create_app(ServiceSettings(region="onshore-hn", bundle=path,
                                     decision_log=".seawall/regions/onshore-hn/decisions.db"))
    # uvicorn.run(app) -- or `seawall serve`, which runs `app_from_env` in each worker

    report = verify_chain(open_store("postgresql://ledger@db/seawall"))
    assert report.intact, report.reason

Imports `artifacts` (bundle loading, verification) and `regions`.
"""

from service.app import app_from_env, create_app
from service.contract_check import Batch, ContractViolation, RequestParser, Violation
from service.decision_log import (
    ChainReport,
    Decision,
    DecisionStore,
    LoggedDecision,
    open_store,
    verify_chain,
)
from service.errors import DecisionLogError, ServiceError
from service.log_writer import DecisionWriter
from service.logs import JsonFormatter, log_config
from service.models import ModelSet, Role, ServedModel, load_models
from service.scoring import Endpoint, Scorecard, Scorer, canary_rows
from service.settings import ServiceSettings, get_settings

__all__ = [
    "Batch",
    "ChainReport",
    "ContractViolation",
    "Decision",
    "DecisionLogError",
    "DecisionStore",
    "DecisionWriter",
    "Endpoint",
    "JsonFormatter",
    "LoggedDecision",
    "ModelSet",
    "RequestParser",
    "Role",
    "Scorecard",
    "Scorer",
    "ServedModel",
    "ServiceError",
    "ServiceSettings",
    "Violation",
    "app_from_env",
    "canary_rows",
    "create_app",
    "get_settings",
    "load_models",
    "log_config",
    "open_store",
    "verify_chain",
]
