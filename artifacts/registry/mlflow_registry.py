"""The model registry: MLflow tracking and registry, behind one small class.

The embedded default is a SQLite store under `.seawall/`; any MLflow tracking URI works (an
MLflow server on PostgreSQL in production). A candidate is recorded inside
`MlflowRegistry.candidate()`: if anything fails before the block ends, the model version, the
registered model (when this run created it) and the run are deleted again, so a failed run
leaves no registry entry behind. `attach_bundle` moves the `candidate` alias once the bundle is
complete; renaming the bundle into place is then the last step.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# MLflow reads these at import: keep it quiet and off the network (telemetry) on offline machines.
os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

import mlflow  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

from artifacts.bundle import Contract
from artifacts.errors import RegistryError  # noqa: E402
from artifacts.registry.protocol import (  # noqa: E402
    CANDIDATE_ALIAS,
    PENDING_ALIAS,
    RegisteredVersion,
    redact,
)

CONTRACT_ARTIFACT = "seawall/contract.json"
# MLflow saves scikit-learn models with skops (no pickle) and asks which non-default types to
# trust: the one-hot encoder's numpy dtype and the gradient-boosting trees' node storage. Both
# come from the pipeline this very run fitted; onshore, the signed ONNX bundle is what is served.
SKOPS_TRUSTED_TYPES = ["numpy.dtype", "sklearn.tree._tree.Tree"]


def _skops_types(pipeline) -> list[str]:
    """The types MLflow's skops serialisation must be told to trust for `pipeline`: the ones
    already vetted when the model was trained here or loaded (see factory.model_sources)."""
    from skops.io import dumps, get_untrusted_types

    return sorted(set(SKOPS_TRUSTED_TYPES) | set(get_untrusted_types(data=dumps(pipeline))))


def sqlite_uri(home: Path) -> str:
    return f"sqlite:///{(home / 'mlflow.db').resolve()}"


@dataclass
class _Made:
    existed: bool
    run_id: str | None = None
    version: str | None = None


class MlflowRegistry:
    def __init__(self, tracking_uri: str, *, artifact_root: Path | None = None) -> None:
        self.tracking_uri = tracking_uri
        self.artifact_root = artifact_root
        try:
            self.client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
        except MlflowException as e:
            raise RegistryError(f"MLflow tracking URI {redact(tracking_uri)} cannot be used: "
                                f"{e.message.strip().splitlines()[0]}") from e

    def previous_contract(self, model_name: str) -> Contract | None:
        """The contract of the newest registered version of `model_name`, if any."""
        try:
            versions = self.client.search_model_versions(
                f"name = '{model_name}'", order_by=["version_number DESC"], max_results=1)
        except MlflowException as e:
            raise RegistryError(f"MLflow registry at {redact(self.tracking_uri)}: {e}") from e
        if not versions:
            return None
        with tempfile.TemporaryDirectory() as tmp:
            try:
                path = self.client.download_artifacts(versions[0].run_id, CONTRACT_ARTIFACT, tmp)
            except (MlflowException, OSError):
                return None  # a version registered by something other than Seawall
            return Contract.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    @contextlib.contextmanager
    def candidate(self, *, experiment: str, model_name: str, pipeline, input_example,
                  params: dict, metrics: dict[str, float], tags: dict[str, str],
                  documents: dict[str, dict]) -> Iterator[RegisteredVersion]:
        """Log a run and register its model; undo both if the `with` block raises."""
        with process_uris(self.tracking_uri), \
                self._undone_on_failure(model_name, "the candidate") as made:
            experiment_id = self._experiment(experiment)
            with mlflow.start_run(experiment_id=experiment_id, tags=tags) as run:
                made.run_id = run_id = run.info.run_id
                mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
                mlflow.log_metrics(metrics)
                for path, doc in documents.items():
                    mlflow.log_dict(doc, path)
                with warnings.catch_warnings():
                    # MLflow hints that the predicted labels are integers; they never miss.
                    warnings.filterwarnings("ignore", message=".*integer column", category=UserWarning)
                    info = mlflow.sklearn.log_model(
                        pipeline, name="model", input_example=input_example,
                        pip_requirements=_pip_requirements(),
                        skops_trusted_types=_skops_types(pipeline))
                if not made.existed:
                    self.client.create_registered_model(model_name)
                made.version = str(self.client.create_model_version(
                    model_name, source=info.model_uri, run_id=run_id,
                    model_id=info.model_id).version)
                yield RegisteredVersion(redact(self.tracking_uri), experiment_id, run_id,
                                        model_name, made.version)

    def attach_bundle(self, registered: RegisteredVersion, bundle_dir: Path,
                      tags: dict[str, str]) -> None:
        """Store the bundle's files with the run, tag the version, then point `candidate` at it."""
        self.client.log_artifacts(registered.run_id, str(bundle_dir), artifact_path="bundle")
        for key, value in tags.items():
            self.client.set_model_version_tag(registered.model_name, registered.version, key, value)
        self.client.set_registered_model_alias(registered.model_name, CANDIDATE_ALIAS,
                                               registered.version)

    @contextlib.contextmanager
    def imported_version(self, *, experiment: str, model_name: str, bundle_dir: Path,
                         documents: dict[str, dict | str], tags: dict[str, str]
                         ) -> Iterator[RegisteredVersion]:
        """Register a verified bundle as a new version aliased `pending-validation`.

        The bundle's files and `documents` are stored with a run of `experiment`. If the `with`
        block raises, the version, the run and a model this call created are deleted again and
        the alias goes back to the version it pointed at before.
        """
        previous = self._alias_target(model_name, PENDING_ALIAS)
        with self._undone_on_failure(model_name, "the import", restore_alias=previous) as made:
            run = self.client.create_run(self._experiment(experiment), tags=tags)
            made.run_id = run_id = run.info.run_id
            self.client.log_artifacts(run_id, str(bundle_dir), artifact_path="bundle")
            for path, doc in documents.items():
                if isinstance(doc, str):
                    self.client.log_text(run_id, doc, path)
                else:
                    self.client.log_dict(run_id, doc, path)
            if not made.existed:
                self.client.create_registered_model(model_name)
            made.version = str(self.client.create_model_version(
                model_name, source=f"runs:/{run_id}/bundle", run_id=run_id, tags=tags).version)
            self.client.set_registered_model_alias(model_name, PENDING_ALIAS, made.version)
            self.client.set_terminated(run_id)
            yield RegisteredVersion(redact(self.tracking_uri), run.info.experiment_id, run_id,
                                    model_name, made.version)

    @contextlib.contextmanager
    def _undone_on_failure(self, model_name: str, what: str, *,
                           restore_alias: str | None = None) -> Iterator[_Made]:
        """Undo what the block registered (version, run, a new model) if it raises."""
        made = _Made(existed=self._model_exists(model_name))
        try:
            yield made
        except BaseException as e:
            self._rollback(model_name, made.version, made.run_id, delete_model=not made.existed)
            if restore_alias is not None:
                with contextlib.suppress(MlflowException):
                    self.client.set_registered_model_alias(model_name, PENDING_ALIAS,
                                                           restore_alias)
            if isinstance(e, MlflowException):
                raise RegistryError(f"MLflow at {redact(self.tracking_uri)} refused {what} "
                                    f"({e.message.splitlines()[0]}); nothing was registered") from e
            raise

    def versions(self, model_name: str) -> list[tuple[str, dict[str, str]]]:
        """Every version of `model_name` with its tags, oldest first."""
        if not self._model_exists(model_name):
            return []
        found = self.client.search_model_versions(f"name = '{model_name}'")
        return sorted(((str(v.version), dict(v.tags)) for v in found), key=lambda x: int(x[0]))

    def find_versions(self, model_name: str, tag: str, value: str) -> list[str]:
        """Versions of `model_name` whose tag `tag` equals `value`."""
        return [v for v, tags in self.versions(model_name) if tags.get(tag) == value]

    def model_names(self) -> list[str]:
        return sorted(m.name for m in self.client.search_registered_models())

    def aliased(self, model_name: str, alias: str) -> tuple[str, dict[str, str]]:
        """(version, tags) of the version `alias` points at; `RegistryError` if none."""
        try:
            found = self.client.get_model_version_by_alias(model_name, alias)
        except MlflowException:
            raise RegistryError(f"{redact(self.tracking_uri)}: model '{model_name}' has no "
                                f"version with alias '{alias}'") from None
        return str(found.version), dict(found.tags)

    def aliases(self, model_name: str) -> dict[str, str]:
        """alias -> version for `model_name` ({} for no such model)."""
        if not self._model_exists(model_name):
            return {}
        return {a: str(v) for a, v in self.client.get_registered_model(model_name).aliases.items()}

    def move_alias(self, model_name: str, alias: str, version: str) -> None:
        if version not in {v for v, _ in self.versions(model_name)}:
            raise RegistryError(f"{redact(self.tracking_uri)}: model '{model_name}' has no "
                                f"version {version}")
        self.client.set_registered_model_alias(model_name, alias, version)

    def drop_alias(self, model_name: str, alias: str) -> None:
        if self._alias_target(model_name, alias) is not None:
            self.client.delete_registered_model_alias(model_name, alias)

    def _alias_target(self, model_name: str, alias: str) -> str | None:
        if not self._model_exists(model_name):
            return None
        try:
            return str(self.client.get_model_version_by_alias(model_name, alias).version)
        except MlflowException:
            return None

    def _experiment(self, name: str) -> str:
        found = self.client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        location = self.artifact_root.resolve().as_uri() if self.artifact_root else None
        return self.client.create_experiment(name, artifact_location=location)

    def _model_exists(self, name: str) -> bool:
        try:
            self.client.get_registered_model(name)
            return True
        except MlflowException:
            return False

    def _rollback(self, name: str, version: str | None, run_id: str | None, *,
                  delete_model: bool) -> None:
        with contextlib.suppress(MlflowException):
            if version is not None:
                self.client.delete_model_version(name, version)
            if delete_model and self._model_exists(name):
                self.client.delete_registered_model(name)
            if run_id is not None:
                self.client.delete_run(run_id)


def _pip_requirements() -> list[str]:
    from importlib import metadata

    return [f"{pkg}=={metadata.version(pkg)}" for pkg in
            ("scikit-learn", "numpy", "pandas", "scipy", "cloudpickle")]


@contextlib.contextmanager
def process_uris(uri: str) -> Iterator[None]:
    """MLflow's fluent API (`start_run`, `log_model`) reads a process-wide tracking and registry
    URI, and `set_tracking_uri` also writes it to MLFLOW_TRACKING_URI, which every subprocess
    then inherits (a later `seawall serve` or CLI call would use this registry). Set both for the
    block only, and put the process back as it was."""
    saved = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(saved["MLFLOW_TRACKING_URI"])  # None unsets the variable too
        mlflow.set_registry_uri(saved["MLFLOW_REGISTRY_URI"])
        if saved["MLFLOW_REGISTRY_URI"] is None:
            os.environ.pop("MLFLOW_REGISTRY_URI", None)
