"""The OpenAPI document: response shapes from pydantic models, request rows from the contract.

The scoring routes are pure ASGI (`scoring_routes`), so FastAPI does not see them;
`documented_scoring_routes` describes them to it, and the request schema is added here: once
the champion is loaded, a row is described field by field from its `contract.json` (types,
ranges, categories, nulls), with the first golden row as the example; before that, generically.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from artifacts.bundle import ColumnType, Contract
from service.auth import READ_SCOPE, SCOPES, AuthPolicy
from service.scoring_routes import MAX_TOP_N


class Reason(BaseModel):
    code: str = Field(examples=["RC05"])
    field: str = Field(examples=["PAY_0"])
    contribution: float = Field(description="p(row) - p(row with this field at its baseline)")
    en: str
    vi: str


class Result(BaseModel):
    probability_of_default: float = Field(ge=0, le=1, examples=[0.083])
    model_version: str = Field(examples=["3"])
    role: str = Field(examples=["champion"], description="champion or canary")
    score: float | None = Field(None, description="/score only: scorecard points")
    reasons: list[Reason] | None = Field(None, description="/score and /explain only")


class Scored(BaseModel):
    request_id: str
    results: list[Result]


class ViolationBody(BaseModel):
    row: int | None = Field(description="0-based row index; null for the request as a whole")
    field: str
    rule: str = Field(examples=["maximum"])
    value: object = None
    message: str


class Rejected(BaseModel):
    error: str = Field(examples=["contract_violation"])
    detail: str
    contract_version: str
    violations: list[ViolationBody]


class Unavailable(BaseModel):
    error: str = Field(examples=["not_ready"], description="not_ready or "
                       "decision_log_unavailable")
    reasons: list[str]


class Ready(BaseModel):
    ready: bool
    region: str
    reasons: list[str] = []
    auth: str = Field(description="How clients authenticate: mtls, jwt, mtls+jwt, or off "
                      "(--insecure-no-auth)")
    models: list[dict] = []


class Version(BaseModel):
    service: str
    region: str
    models: list[dict] = Field(description="model id, version, bundle digest and signer "
                               "identity of every served bundle")


SCORING_RESPONSES: dict = {
    200: {"model": Scored}, 422: {"model": Rejected, "description": "Contract violation"},
    415: {"model": Rejected, "description": "The body is not declared as JSON"},
    503: {"model": Unavailable, "description": "Not ready, or the decision log is down"},
}


def documented_scoring_routes() -> list[APIRoute]:
    """The scoring routes as FastAPI would declare them, for the OpenAPI document only: the
    requests themselves are served by `scoring_routes.ScoringEndpoint`."""
    summaries = {
        "predict": "Probability of default per row",
        "score": "Scorecard points per row (with the reasons behind them)",
        "explain": "Top reason codes per row, in English and Vietnamese",
    }
    return [APIRoute(f"/{name}", _explain_parameters if name == "explain" else _no_parameters,
                     methods=["POST"], summary=summary, name=name, responses=SCORING_RESPONSES,
                     response_model=None) for name, summary in summaries.items()]


async def _no_parameters() -> None:
    """Describes the parameters of /predict and /score (none); never called."""


async def _explain_parameters(top_n: Annotated[int | None, Query(
        ge=1, le=MAX_TOP_N, description="How many reasons per row (default: the bundle's)")] = None
                              ) -> None:
    """Describes the parameters of /explain; never called."""


def request_body(contract: Contract | None, max_rows: int, example: dict | None) -> dict:
    """The `requestBody` object of the scoring routes."""
    schema = {
        "type": "object", "additionalProperties": False, "required": ["rows"],
        "properties": {
            "rows": {"type": "array", "minItems": 1, "maxItems": max_rows,
                     "items": _row_schema(contract)},
            "application_ids": {"type": "array", "maxItems": max_rows,
                                "items": {"type": ["string", "null"], "minLength": 1,
                                          "maxLength": 128},
                                "description": "Exactly one per row (null for a row without "
                                               "one; a different count is refused with 422); "
                                               "routes the canary (stable per id) and is "
                                               "written to the decision log."},
        },
    }
    content: dict = {"schema": schema}
    if example is not None:
        content["examples"] = {
            "named": {"summary": "one row, named fields", "value": {"rows": [example]}},
            "ordered": {"summary": "one row, values in contract order",
                        "value": {"rows": [list(example.values())],
                                  "application_ids": ["APP-0001"]}}}
    arrow = {"schema": {"type": "string", "format": "binary"}, "description": (
        "An Arrow IPC stream: one column per contract field (integer or floating-point for a "
        "numeric field, text for a categorical one), optionally `application_id` (text); at "
        f"most {max_rows} rows. Checked column by column with the same rules.")}
    return {"required": True, "content": {"application/json": content,
                                          "application/vnd.apache.arrow.stream": arrow}}


def _row_schema(contract: Contract | None) -> dict:
    if contract is None:
        return {"oneOf": [{"type": "object"}, {"type": "array"}]}
    fields = {f.name: _field_schema(f) for f in contract.fields}
    named = {"type": "object", "properties": fields, "required": list(fields),
             "additionalProperties": False}
    ordered = {"type": "array", "prefixItems": list(fields.values()), "items": False,
               "minItems": len(fields), "maxItems": len(fields),
               "description": f"values in contract order: {', '.join(fields)}"}
    return {"oneOf": [named, ordered]}


def _field_schema(f) -> dict:
    if f.type is ColumnType.NUMERIC:
        schema: dict = {"type": ["number", "null"] if f.nullable else "number"}
        if f.minimum is not None:
            schema["minimum"] = f.minimum
        if f.maximum is not None:
            schema["maximum"] = f.maximum
    else:
        codes = list(f.categories or ())
        if f.codes == "integer":  # sent as JSON integers or as strings
            codes += [int(c) for c in codes]
        schema = {"enum": [*codes, *([None, ""] if f.nullable else [])]}
    if f.description:
        schema["description"] = f.description
    return schema


REFUSED = {"type": "object", "required": ["error", "detail"], "properties": {
    "error": {"type": "string", "enum": ["unauthenticated", "forbidden"]},
    "detail": {"type": "string"}}}


def add_security(schema: dict, policy: AuthPolicy | None) -> None:
    """Declare how clients authenticate: the schemes, and on every operation but the open
    paths the scope it needs and its 401 and 403 answers (RFC 6750)."""
    if policy is None:
        return
    schemes = {}
    if policy.tokens is not None:
        schemes["bearer"] = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                             "description": f"A JWT from {policy.tokens.issuer} for audience "
                                            f"{policy.tokens.audience}"}
    if policy.mtls:
        schemes["mtls"] = {"type": "mutualTLS", "description": "A client certificate from the "
                                                              "configured CA"}
    schema.setdefault("components", {})["securitySchemes"] = schemes
    for path, operations in schema["paths"].items():
        if path in policy.open_paths:
            continue
        scope = SCOPES.get(path, READ_SCOPE)
        for operation in operations.values():
            operation["security"] = [{name: [scope] if name == "bearer" else []
                                      for name in schemes}]
            for status, what in (("401", "No valid credentials"),
                                 ("403", f"The credentials lack the scope {scope}")):
                operation["responses"][status] = {
                    "description": what, "content": {"application/json": {"schema": REFUSED}}}
