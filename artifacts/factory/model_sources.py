"""Where a brought model comes from: a pipeline file or an MLflow model URI, with its lineage.

- **skops** (`.skops`): loaded with skops' trusted-types check, never by unpickling. What skops
  trusts, and scikit-learn's own classes and numpy's dtype, load as they are; a file that needs
  any other type (LightGBM, XGBoost, a bank's own transformer) is refused, naming the types,
  until the developer vouches for each with `trusted_types` (`--trust-type`).
- **pickle** (`.pkl`, `.pickle`, `.joblib`): loading one runs whatever code it holds, so it is
  refused unless `trust_pickle` (`--trust-pickle`) says its origin is trusted; the bundle's
  lineage records that it was.
- **MLflow** (`models:/name/version`, `models:/name@alias`, `runs:/<run id>/<path>`): the
  scikit-learn flavour, loaded with `mlflow.sklearn`; the source run's id, git commit and
  dataset digests go into the bundle's lineage.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from artifacts.errors import ModelSourceError

SKOPS_SUFFIXES = (".skops",)
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
_MODELS_URI = re.compile(r"^models:/(?P<name>[^/@]+)(/(?P<version>\d+)|@(?P<alias>[\w-]+))$")
_RUNS_URI = re.compile(r"^runs:/(?P<run>[0-9a-f]{32})/(?P<path>.+)$")


def load_from_file(path: Path, *, trust_pickle: bool = False,
                   trusted_types: tuple[str, ...] = ()) -> tuple[object, dict]:
    """(model, lineage facts) from a pipeline file."""
    if not path.is_file():
        raise ModelSourceError(f"{path}: pipeline file not found")
    suffix = path.suffix.lower()
    if suffix in SKOPS_SUFFIXES:
        model, trusted = _skops(path, trusted_types)
        return model, {"kind": "skops file", "file": path.name, "trusted_types": trusted}
    if suffix not in PICKLE_SUFFIXES:
        raise ModelSourceError(f"{path}: unknown pipeline file type '{suffix}' (use .skops; "
                               f"{', '.join(PICKLE_SUFFIXES)} with --trust-pickle)")
    if not trust_pickle:
        raise ModelSourceError(f"{path}: a pickle runs whatever code it holds when it is "
                               "loaded: save the pipeline with skops (skops.io.dump(model, "
                               "'model.skops')), or pass --trust-pickle if you trust this "
                               "file's origin (the bundle's lineage will say so)")
    import joblib

    try:
        model = joblib.load(path)
    except Exception as e:  # unpickling raises anything the pickled code raises
        raise ModelSourceError(f"{path}: cannot load the pickle ({type(e).__name__}: "
                               f"{e})") from None
    return model, {"kind": "pickle file", "file": path.name, "trust_pickle": True}


def _skops(path: Path, trusted_types: tuple[str, ...]) -> tuple[object, list[str]]:
    """The model, and the types beyond skops' defaults it was loaded with trusting."""
    from skops.io import get_untrusted_types, load

    try:
        untrusted = get_untrusted_types(file=path)
    except Exception as e:  # a file that is not a skops archive
        raise ModelSourceError(f"{path}: not a readable skops file ({type(e).__name__}: "
                               f"{e})") from None
    needed = sorted(t for t in set(untrusted) - set(trusted_types) if not _scikit_learn(t))
    if needed:
        raise ModelSourceError(f"{path}: the file needs {len(needed)} type(s) that neither "
                               f"skops nor Seawall trusts: {', '.join(needed)}; if you trust "
                               "them, pass --trust-type for each")
    try:
        return load(path, trusted=list(untrusted)), sorted(untrusted)
    except Exception as e:
        raise ModelSourceError(f"{path}: cannot load the skops file ({type(e).__name__}: "
                               f"{e})") from None


def _scikit_learn(type_name: str) -> bool:
    """scikit-learn's own classes (skops leaves some internals, such as the trees of
    HistGradientBoosting, untrusted), numpy's dtype, and Seawall's WoE binner: trusted like the
    estimators that hold them."""
    return (type_name.startswith("sklearn.") or type_name == "numpy.dtype"
            or type_name == "artifacts.factory.woe.WoEBinner")


def load_from_mlflow(uri: str, *, tracking_uri: str | None = None) -> tuple[object, dict]:
    """(model, lineage facts) from an MLflow model URI of the scikit-learn flavour."""
    import mlflow
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    from artifacts.registry.mlflow_registry import process_uris

    models, runs = _MODELS_URI.match(uri), _RUNS_URI.match(uri)
    if not (models or runs):
        raise ModelSourceError(f"{uri}: an MLflow model URI is models:/<name>/<version>, "
                               "models:/<name>@<alias> or runs:/<run id>/<path>")
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    try:
        if models:
            version = (client.get_model_version(models["name"], models["version"])
                       if models["version"] else
                       client.get_model_version_by_alias(models["name"], models["alias"]))
            run_id, model_uri = version.run_id, f"models:/{version.name}/{version.version}"
        else:
            run_id, model_uri = runs["run"], uri
        with process_uris(tracking_uri) if tracking_uri else contextlib.nullcontext():
            model = mlflow.sklearn.load_model(model_uri)
        run = client.get_run(run_id) if run_id else None
    except MlflowException as e:
        raise ModelSourceError(f"{uri}: MLflow refused: {str(e).splitlines()[0]}") from None
    facts: dict = {"kind": "mlflow model", "uri": uri, "resolved": model_uri, "run_id": run_id}
    if run is not None:
        facts["git_commit"] = run.data.tags.get("mlflow.source.git.commit", "")
        facts["datasets"] = [{"name": d.dataset.name, "digest": d.dataset.digest,
                              "source_type": d.dataset.source_type}
                             for d in (run.inputs.dataset_inputs if run.inputs else [])]
    return model, facts

