"""The offshore artifact factory: dataset specs, training, ONNX export with a parity gate, and
the model bundle that later steps sign, verify, serve and report on.

Public API (stable)::

    from artifacts import TrainRequest, build_candidate, load_bundle, ModelFamily

    candidate = build_candidate(TrainRequest(region="offshore-sg", home=Path(".seawall")))
    bundle = load_bundle(candidate.bundle)
    assert not bundle.digest_problems()

Imports `regions` only.
"""

from artifacts.bundle import BUNDLE_FORMAT, CONTENT_FILES, MANIFEST, Bundle, load_bundle
from artifacts.contract import Contract, Field
from artifacts.errors import (
    ArtifactError,
    BundleError,
    DataError,
    ParityError,
    RegistryError,
    SpecError,
)
from artifacts.export import PARITY_TOLERANCE, ParityReport, check_parity, export_pipeline
from artifacts.factory import Candidate, Progress, TrainRequest, build_candidate
from artifacts.golden import golden_frame
from artifacts.loaders import Dataset, load_dataset, read_header
from artifacts.reason_codes import ReasonCodes
from artifacts.scoring import OnnxScorer, top_reasons
from artifacts.spec import DatasetSpec, load_spec
from artifacts.synthetic import synthesize, write_synthetic_csv
from artifacts.tracking import CANDIDATE_ALIAS, MlflowRegistry, RegisteredVersion
from artifacts.training import ModelFamily

__all__ = [
    "BUNDLE_FORMAT",
    "CANDIDATE_ALIAS",
    "CONTENT_FILES",
    "MANIFEST",
    "PARITY_TOLERANCE",
    "ArtifactError",
    "Bundle",
    "BundleError",
    "Candidate",
    "Contract",
    "DataError",
    "Dataset",
    "DatasetSpec",
    "Field",
    "MlflowRegistry",
    "ModelFamily",
    "OnnxScorer",
    "ParityError",
    "ParityReport",
    "Progress",
    "ReasonCodes",
    "RegisteredVersion",
    "RegistryError",
    "SpecError",
    "TrainRequest",
    "build_candidate",
    "check_parity",
    "export_pipeline",
    "golden_frame",
    "load_bundle",
    "load_dataset",
    "load_spec",
    "read_header",
    "synthesize",
    "top_reasons",
    "write_synthetic_csv",
]
