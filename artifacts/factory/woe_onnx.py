"""The ONNX form of `WoEBinner`, registered with skl2onnx: the same bins, in float64.

The binner is the first step of its pipeline, so it receives the model's inputs, one (n, 1)
tensor per contract field, and picks its columns by name. Per numeric column: the bin is the
number of edges at or below the value (`GreaterOrEqual` against the edges, summed), exactly
`np.searchsorted(edges, x, side="right")`; `Gather` takes its WoE; special values and NaN are
replaced with `Where`. Per text column: a `LabelEncoder` maps each category to its row of a
WoE table (row 0, the neutral 0.0, for a category never seen). The columns are concatenated in
the binner's order.
"""

from __future__ import annotations

import functools

import numpy as np
from onnx import TensorProto
from skl2onnx import update_registered_converter
from skl2onnx.common.data_types import DoubleTensorType

from artifacts.factory.woe import WoEBinner

ALIAS = "SeawallWoEBinner"


@functools.cache
def register() -> None:
    update_registered_converter(WoEBinner, ALIAS, _shape, _convert)


def _shape(operator) -> None:
    rows = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = DoubleTensorType([rows, operator.raw_operator.n_features_in_])


def _convert(scope, operator, container) -> None:
    binner: WoEBinner = operator.raw_operator
    by_name = {v.raw_name: v.full_name for v in operator.inputs}
    missing = [n for n in binner.feature_names_in_ if n not in by_name]
    if missing:
        raise RuntimeError(f"the WoE binner needs input(s) {', '.join(missing)}: put it first "
                           "in the pipeline, on the raw columns")
    columns = []
    for name in binner.feature_names_in_:
        bins = binner.bins_[name]
        if bins["kind"] == "numeric":
            columns.append(_numeric(scope, container, by_name[name], bins))
        else:
            columns.append(_categorical(scope, container, by_name[name], bins))
    container.add_node("Concat", columns, operator.outputs[0].full_name, axis=1,
                       name=scope.get_unique_operator_name("Concat"))


def _constant(scope, container, name: str, kind, dims, values) -> str:
    unique = scope.get_unique_variable_name(name)
    container.add_initializer(unique, kind, dims, values)
    return unique


def _node(scope, container, op: str, inputs: list[str], **attrs) -> str:
    out = scope.get_unique_variable_name(op.lower())
    container.add_node(op, inputs, [out], name=scope.get_unique_operator_name(op), **attrs)
    return out


def _numeric(scope, container, x: str, bins: dict) -> str:
    edges = bins["edges"] or [float("inf")]  # one bin: no value reaches +inf
    table = bins["woe"] if bins["edges"] else bins["woe"] * 2
    e = _constant(scope, container, "edges", TensorProto.DOUBLE, [len(edges)], edges)
    above = _node(scope, container, "GreaterOrEqual", [x, e])
    counted = _node(scope, container, "Cast", [above], to=TensorProto.INT64)
    axis = _constant(scope, container, "axis", TensorProto.INT64, [1], [1])
    index = _node(scope, container, "ReduceSum", [counted, axis], keepdims=1)
    t = _constant(scope, container, "woe", TensorProto.DOUBLE, [len(table)], table)
    value = _node(scope, container, "Gather", [t, index], axis=0)
    for special, woe in bins["special"].items():
        s = _constant(scope, container, "special", TensorProto.DOUBLE, [], [float(special)])
        w = _constant(scope, container, "special_woe", TensorProto.DOUBLE, [], [woe])
        hit = _node(scope, container, "Equal", [x, s])
        value = _node(scope, container, "Where", [hit, w, value])
    nan = _node(scope, container, "IsNaN", [x])
    m = _constant(scope, container, "missing_woe", TensorProto.DOUBLE, [], [bins["missing"]])
    return _node(scope, container, "Where", [nan, m, value])


def _categorical(scope, container, x: str, bins: dict) -> str:
    categories = list(bins["categories"])
    keys = [*categories, "", "nan"]
    rows = [*range(1, len(categories) + 1), len(categories) + 1, len(categories) + 1]
    table = [0.0, *(bins["categories"][c] for c in categories), bins["missing"]]
    index = _node(scope, container, "LabelEncoder", [x], op_domain="ai.onnx.ml", op_version=2,
                  keys_strings=keys, values_int64s=rows, default_int64=0)
    t = _constant(scope, container, "woe", TensorProto.DOUBLE, [len(table)],
                  np.asarray(table, dtype=np.float64).tolist())
    return _node(scope, container, "Gather", [t, index], axis=0)
