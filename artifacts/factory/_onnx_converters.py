"""skl2onnx converters that keep the exported pipeline faithful in double precision.

Stock skl2onnx emits the ONNX-ML `Imputer` op with float32 fill values, and onnxruntime has no
double kernel for it; and for a double input it emits a double `TreeEnsembleClassifier`, which
onnxruntime does not implement either. These converters fix both at the source instead of
loosening the parity bound:

* `SimpleImputer` on doubles becomes `Where(IsNaN(X), medians, X)` in float64.
* Tree classifiers (`GradientBoosting`, `HistGradientBoosting`, `RandomForest`, `ExtraTrees`,
  `DecisionTree`, and LightGBM and XGBoost when installed) on doubles cast their input to
  float32 before the trees, exactly as the libraries' own trees do (they compare `float32(x)`
  with thresholds that the converters adjust for that), then cast the probabilities back to
  float64. onnxruntime's tree ensembles compute in float32 whatever the opset, so this is the
  precision the parity gate measures and reports (`FLOAT32_TREES`).

Other input types go to the stock converters unchanged.
"""

from __future__ import annotations

import functools

import numpy as np
from onnx import TensorProto
from skl2onnx import update_registered_converter
from skl2onnx.common._registration import get_converter, get_shape_calculator
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
from skl2onnx.operator_converters.common import concatenate_variables
from skl2onnx.operator_converters.imputer_op import convert_sklearn_imputer
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.impute import SimpleImputer
from sklearn.tree import DecisionTreeClassifier

_TREE_OPTIONS = {"zipmap": [True, False, "columns"], "raw_scores": [True, False],
                 "nocl": [True, False], "output_class_labels": [False, True],
                 "decision_path": [True, False], "decision_leaf": [True, False]}
_TREES = {GradientBoostingClassifier: "SklearnGradientBoostingClassifier",
          HistGradientBoostingClassifier: "SklearnHistGradientBoostingClassifier",
          RandomForestClassifier: "SklearnRandomForestClassifier",
          ExtraTreesClassifier: "SklearnExtraTreesClassifier",
          DecisionTreeClassifier: "SklearnDecisionTreeClassifier"}
FLOAT32_TREES = "float64, tree inputs in float32 as the library's own trees compare them"


@functools.cache
def register() -> None:
    """Install the converters (idempotent; called by the exporter, not on import)."""
    update_registered_converter(SimpleImputer, "SklearnSimpleImputer",
                                get_shape_calculator("SklearnSimpleImputer"), _imputer)
    for model, alias in {**_TREES, **_boosting_libraries()}.items():
        update_registered_converter(model, alias, get_shape_calculator(alias),
                                    _float32_trees(get_converter(alias)), options=_TREE_OPTIONS)


def is_tree_model(estimator) -> bool:
    return isinstance(estimator, tuple({**_TREES, **_boosting_libraries()}))


# (library, classifier, onnxmltools converter module, its function, the skl2onnx alias)
_LIBRARIES = (("lightgbm", "LGBMClassifier", "onnxmltools.convert.lightgbm.operator_converters"
               ".LightGbm", "convert_lightgbm", "LightGbmLGBMClassifier"),
              ("xgboost", "XGBClassifier", "onnxmltools.convert.xgboost.operator_converters"
               ".XGBoost", "convert_xgboost", "XGBoostXGBClassifier"))


@functools.cache
def _boosting_libraries() -> dict[type, str]:
    """LightGBM and XGBoost classifiers with onnxmltools' converters, when installed; their
    shape calculators and converters registered with skl2onnx first."""
    import importlib

    from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes

    found: dict[type, str] = {}
    for library, classifier, module, function, alias in _LIBRARIES:
        try:
            model = getattr(importlib.import_module(library), classifier)
            convert = getattr(importlib.import_module(module), function)
        except ImportError:
            continue
        update_registered_converter(model, alias, calculate_linear_classifier_output_shapes,
                                    convert, options={"nocl": [True, False],
                                                      "zipmap": [True, False, "columns"]})
        found[model] = alias
    return found


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


def _float32_trees(stock):
    """A converter that runs `stock` on float32 inputs and returns float64 probabilities."""

    def convert(scope, operator, container) -> None:
        if not isinstance(operator.inputs[0].type, DoubleTensorType):
            stock(scope, operator, container)
            return
        x32 = scope.declare_local_variable("x_float32", FloatTensorType())
        container.add_node("Cast", operator.inputs[0].full_name, x32.full_name,
                           to=TensorProto.FLOAT, name=scope.get_unique_operator_name("Cast"))
        p32 = scope.declare_local_variable("probabilities_float32", FloatTensorType())
        stock(scope, _Retyped(operator, [x32], [operator.outputs[0], p32]), container)
        declared = operator.outputs[1].type  # some shape calculators declare float32 outputs
        container.add_node("Cast", p32.full_name, operator.outputs[1].full_name,
                           to=TensorProto.DOUBLE if isinstance(declared, DoubleTensorType)
                           else TensorProto.FLOAT, name=scope.get_unique_operator_name("Cast"))

    return convert


class _Retyped:
    """The operator as the stock converter must see it: float32 input and probabilities
    variables in place of its own; every other attribute is the operator's."""

    def __init__(self, operator, inputs: list, outputs: list) -> None:
        self._operator, self.inputs, self.outputs = operator, inputs, outputs

    @property
    def input_full_names(self) -> list[str]:
        return [v.full_name for v in self.inputs]

    @property
    def output_full_names(self) -> list[str]:
        return [v.full_name for v in self.outputs]

    def __getattr__(self, name: str):
        return getattr(self._operator, name)
