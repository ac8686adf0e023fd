"""skl2onnx converters that keep the exported pipeline faithful in double precision.

Stock skl2onnx emits the ONNX-ML `Imputer` op with float32 fill values, and onnxruntime has no
double kernel for it; and for a double input it emits a double `TreeEnsembleClassifier`, which
onnxruntime does not implement either. These converters fix both at the source instead of
loosening the parity bound:

* `SimpleImputer` on doubles becomes `Where(IsNaN(X), medians, X)` in float64.
* `GradientBoostingClassifier` on doubles casts its input to float32 before the trees, exactly
  as scikit-learn's own trees do (they compare `float32(x)` with thresholds that skl2onnx
  adjusts for that), then casts the probabilities back to float64.

Other input types go to the stock converters unchanged.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

import numpy as np
from onnx import TensorProto
from skl2onnx import update_registered_converter
from skl2onnx.common._registration import get_shape_calculator
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
from skl2onnx.operator_converters.common import concatenate_variables
from skl2onnx.operator_converters.gradient_boosting import (
    convert_sklearn_gradient_boosting_classifier,
)
from skl2onnx.operator_converters.imputer_op import convert_sklearn_imputer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.impute import SimpleImputer

_GBC_OPTIONS = {"zipmap": [True, False, "columns"], "raw_scores": [True, False],
                "nocl": [True, False], "output_class_labels": [False, True]}


@functools.cache
def register() -> None:
    """Install the converters (idempotent; called by the exporter, not on import)."""
    update_registered_converter(SimpleImputer, "SklearnSimpleImputer",
                                get_shape_calculator("SklearnSimpleImputer"), _imputer)
    update_registered_converter(GradientBoostingClassifier, "SklearnGradientBoostingClassifier",
                                get_shape_calculator("SklearnGradientBoostingClassifier"),
                                _gradient_boosting, options=_GBC_OPTIONS)


def _imputer(scope, operator, container) -> None:
    if not isinstance(operator.inputs[0].type, DoubleTensorType):
        convert_sklearn_imputer(scope, operator, container)
        return
    stats = operator.raw_operator.statistics_.astype(np.float64)
    x = concatenate_variables(scope, operator.inputs, container)
    fill = scope.get_unique_variable_name("fill")
    container.add_initializer(fill, TensorProto.DOUBLE, [1, stats.size], stats.tolist())
    isnan = scope.get_unique_variable_name("isnan")
    container.add_node("IsNaN", [x], [isnan], name=scope.get_unique_operator_name("IsNaN"))
    container.add_node("Where", [isnan, fill, x], [operator.outputs[0].full_name],
                       name=scope.get_unique_operator_name("Where"))


def _gradient_boosting(scope, operator, container) -> None:
    if not isinstance(operator.inputs[0].type, DoubleTensorType):
        convert_sklearn_gradient_boosting_classifier(scope, operator, container)
        return
    x32 = scope.declare_local_variable("x_float32", FloatTensorType())
    container.add_node("Cast", operator.inputs[0].full_name, x32.full_name,
                       to=TensorProto.FLOAT, name=scope.get_unique_operator_name("Cast"))
    p32 = scope.declare_local_variable("probabilities_float32", FloatTensorType())
    as_float = SimpleNamespace(raw_operator=operator.raw_operator, inputs=[x32],
                               input_full_names=[x32.full_name],
                               outputs=[operator.outputs[0], p32])
    convert_sklearn_gradient_boosting_classifier(scope, as_float, container)
    container.add_node("Cast", p32.full_name, operator.outputs[1].full_name,
                       to=TensorProto.DOUBLE, name=scope.get_unique_operator_name("Cast"))
