"""The offshore artifact factory: residency check -> data -> fit -> ONNX -> parity -> registry
-> bundle, with a progress step for each.

Everything that can fail because of the user's input (region, spec, data, parity) runs before
the registry or the bundle directory is touched. The registry run and the bundle are then
written inside one rollback scope: a failure removes the model version, the run and the staged
bundle, so a failed `seawall train` leaves nothing half-written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ContextManager, Protocol

import numpy as np

from artifacts.bundle import (
    PROFILE_FILE,
    Contract,
    OnnxScorer,
    Output,
    ParityReport,
    ReasonCodes,
    next_version,
    sha256_bytes,
    staged_bundle,
    to_json,
    top_reasons,
)
from artifacts.errors import DataError
from artifacts.factory import lineage
from artifacts.factory.choices import ModelFamily
from artifacts.factory.documents import build_golden_set, build_reason_codes, contract_fields
from artifacts.factory.export import TARGET_OPSET, OnnxExport, check_parity, export_pipeline
from artifacts.factory.loaders import Dataset, load_dataset, read_header
from artifacts.factory.model_card import build_model_card
from artifacts.factory.profile import reference_profile
from artifacts.factory.scorecard import SCORECARD_FILE, points_table
from artifacts.factory.spec import EMBEDDED_SPEC, DatasetSpec, load_spec
from artifacts.factory.synthetic import DEFAULT_ROWS, DEFAULT_SEED, write_synthetic_csv
from artifacts.factory.training import DEFAULT_SEED as TRAIN_SEED
from artifacts.factory.training import TrainedModel, fit
from artifacts.registry import CONTRACT_ARTIFACT, MlflowRegistry, RegisteredVersion, sqlite_uri
from regions import Region, Tier, check_data_classes, load_catalogue, require_tier

PARITY_ROWS = 5_000  # rows through both runtimes (at least 1,000; all rows if fewer)
GOLDEN_ROWS = 1_000


class Progress(Protocol):
    def step(self, title: str) -> ContextManager[None]: ...


class SilentProgress:
    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[None]:
        yield


@dataclass(frozen=True, kw_only=True)
class TrainRequest:
    region: str
    home: Path
    data: Path | None = None  # None: the embedded synthetic data set
    spec: Path | None = None  # None: the embedded UCI spec
    family: ModelFamily = ModelFamily.LOGREG
    out: Path | None = None  # None: <home>/bundles
    tracking_uri: str | None = None  # None: SQLite under <home>
    model_name: str | None = None  # None: the spec's name
    seed: int = TRAIN_SEED
    catalogue: Path | None = None


@dataclass(frozen=True)
class Candidate:
    bundle: Path
    registered: RegisteredVersion
    trained: TrainedModel
    parity: ParityReport
    contract: Contract
    dataset_rows: int


def build_candidate(request: TrainRequest, progress: Progress | None = None) -> Candidate:
    """Train one of Seawall's own models on the spec's data; see `produce` for the rest."""
    progress = progress or SilentProgress()
    with progress.step(f"Residency: checking the spec against region {request.region}"):
        region, spec = check_residency(request.catalogue, request.region, request.spec)
    with progress.step("Data: reading and checking every row against the spec"):
        dataset = _load(request, spec)
    with progress.step(f"Training: fitting the {request.family.value} pipeline"):
        trained = fit(dataset, request.family, request.seed)
    return produce(Destination(home=request.home, out=request.out,
                               tracking_uri=request.tracking_uri, model_name=request.model_name,
                               seed=request.seed), region, dataset, trained, progress)


@dataclass(frozen=True, kw_only=True)
class Destination:
    """Where a candidate is recorded and written."""

    home: Path
    out: Path | None = None  # None: <home>/bundles
    tracking_uri: str | None = None  # None: SQLite under <home>
    model_name: str | None = None  # None: the spec's name
    seed: int = TRAIN_SEED


def produce(dest: Destination, region: Region, dataset: Dataset, trained: TrainedModel,
            progress: Progress) -> Candidate:
    """The one path every producer (`seawall train`, `seawall package`) ends in: export to
    ONNX, the parity gate, then the registry version and the atomic bundle."""
    spec = dataset.spec
    model_name = dest.model_name or spec.name
    registry = MlflowRegistry(dest.tracking_uri or sqlite_uri(dest.home),
                              artifact_root=None if dest.tracking_uri
                              else dest.home / "mlartifacts")
    with progress.step("Export: converting to ONNX"):
        previous = registry.previous_contract(model_name)
        fields = contract_fields(spec, trained.learned_categories())
        contract = Contract(version=next_version(previous, fields), fields=fields,
                            output=Output(column=trained.positive_column))
        exported = export_pipeline(trained.pipeline, contract)
    rows = _sample(dataset, dest.seed)
    reasons = build_reason_codes(spec, contract, dataset.features().iloc[trained.reference_rows])
    with progress.step(f"Parity gate: scikit-learn vs onnxruntime on {len(rows):,} rows"):
        parity = check_parity(trained.pipeline, exported, contract, dataset.frame.iloc[rows],
                              reasons=(reasons.baseline, reasons.top_n))
    with progress.step("Registry and bundle: recording the candidate"):
        return _record(dest, region, dataset, trained, contract, exported, parity, rows,
                       registry, model_name, reasons)


def check_residency(catalogue: Path | None, region_name: str, spec_path: Path | None
                    ) -> tuple[Region, DatasetSpec]:
    """The region (which must allow training) and the spec, whose data classes it must allow."""
    region = load_catalogue(catalogue).get(region_name)
    require_tier(region, Tier.TRAINING)
    spec = load_spec(spec_path)
    check_data_classes(region, spec.data_classes(), source=str(spec.path))
    return region, spec


def _load(request: TrainRequest, spec: DatasetSpec) -> Dataset:
    path = request.data
    if path is None:
        if spec.path.resolve() != EMBEDDED_SPEC.resolve():
            raise DataError(f"{spec.path}: a custom spec needs --data (the embedded synthetic "
                            "data set follows the embedded UCI spec only)")
        path = request.home / "data" / f"uci-credit-synthetic-{DEFAULT_ROWS}-{DEFAULT_SEED}.csv"
        if not path.is_file():
            write_synthetic_csv(path)
    header = read_header(path, spec)  # undeclared columns are refused before any row is read
    return load_dataset(path, spec, header)


def _sample(dataset: Dataset, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.permutation(dataset.rows)[:PARITY_ROWS]


def _record(dest: Destination, region: Region, dataset: Dataset, trained: TrainedModel,
            contract: Contract, exported: OnnxExport, parity: ParityReport, rows: np.ndarray,
            registry: MlflowRegistry, model_name: str, reasons: ReasonCodes) -> Candidate:
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    features = dataset.features()
    golden_rows = features.iloc[rows[:GOLDEN_ROWS]]
    scorer = OnnxScorer.from_bytes(exported.model, contract)
    feeds = contract.onnx_feeds(golden_rows)
    expected_reasons = top_reasons(scorer.contributions(feeds, reasons.baseline), contract.names,
                                   reasons.top_n)
    probabilities = trained.pipeline.predict_proba(golden_rows)[:, contract.output.column]
    golden = build_golden_set(golden_rows, contract, probabilities,
                              expected_reasons, source=f"{dataset.source.name}, seeded sample")
    card = build_model_card(model_name=model_name, dataset=dataset, trained=trained, region=region,
                            preprocessor_sha256=sha256_bytes(exported.preprocessor),
                            model_sha256=sha256_bytes(exported.model),
                            contract_version=contract.version, parity=parity,
                            created_at=created_at)
    profile = reference_profile(dataset, trained, contract, seed=dest.seed, scorer=scorer,
                                baseline=reasons.baseline)
    git_sha, lock_sha = lineage.git_revision(), lineage.lock_sha256()
    tags = {"seawall.git_sha": git_sha, "seawall.data_sha256": dataset.sha256,
            "seawall.spec_sha256": dataset.spec.sha256, "seawall.lock_sha256": lock_sha,
            "seawall.origin_region": region.name,
            **{f"seawall.platform.{k}": v for k, v in lineage.platform_facts().items()},
            **{f"seawall.lib.{k}": v for k, v in lineage.library_versions().items()},
            **{f"seawall.source.{k}": str(v) for k, v in (trained.source or {}).items()
               if isinstance(v, (str, int, float, bool))}}
    metrics = {f"{split}_{k}": v for split, m in (("valid", trained.valid), ("test", trained.test))
               for k, v in m.scalars().items()}
    documents = {CONTRACT_ARTIFACT: contract.to_dict(),
                 "seawall/calibration_test.json": trained.test.to_dict()}
    out = dest.out or dest.home / "bundles"
    with registry.candidate(experiment=f"seawall-{dataset.spec.name}", model_name=model_name,
                            pipeline=trained.pipeline, input_example=features.iloc[:5],
                            params=trained.params, metrics=metrics, tags=tags,
                            documents=documents) as registered:
        with staged_bundle(out, f"{model_name}-v{registered.version}") as stage:
            stage.write("model.onnx", exported.model)
            stage.write("preprocessor.onnx", exported.preprocessor)
            stage.write("contract.json", to_json(contract.to_dict()))
            stage.write("reason_codes.json", to_json(reasons.to_dict()))
            stage.write("golden_set.json", to_json(golden.to_json()))
            stage.write("model_card.json", to_json(card.to_json()))
            stage.write(PROFILE_FILE, to_json(profile.to_json()))
            table = points_table(trained.pipeline, default_column=contract.output.column)
            if table is not None:  # a WoE scorecard: its points per bin, signed with the rest
                stage.write(SCORECARD_FILE, to_json(table))
            manifest = stage.write_manifest({
                "model": {"name": model_name, "version": registered.version,
                          "family": trained.family},
                "contract_version": contract.version,
                "preprocessor_sha256": card.preprocessor_sha256,
                "onnx": {"target_opset": TARGET_OPSET, "opset_import": exported.opset,
                         "ir_version": exported.ir_version, "precision": exported.precision},
                "libraries": lineage.library_versions(),
                "mlflow": {"tracking_uri": registered.tracking_uri,
                           "experiment_id": registered.experiment_id,
                           "run_id": registered.run_id, "model_name": model_name,
                           "model_version": registered.version},
                "lineage": {"git_sha": git_sha, "lock_sha256": lock_sha,
                            "data_sha256": dataset.sha256, "data_file": dataset.source.name,
                            "spec_sha256": dataset.spec.sha256, "seed": trained.seed,
                            **({"source": trained.source} if trained.source else {})},
                "origin_region": region.name,
                "tier": Tier.TRAINING.value,
                "created_at": created_at,
            })
            registry.attach_bundle(registered, stage.path, {
                "seawall.contract_version": contract.version,
                "seawall.manifest_sha256": sha256_bytes(to_json(manifest.to_json())),
                "seawall.preprocessor_sha256": card.preprocessor_sha256})
            bundle = stage.commit()
    return Candidate(bundle=bundle, registered=registered, trained=trained, parity=parity,
                     contract=contract, dataset_rows=dataset.rows)
