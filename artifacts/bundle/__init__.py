"""The bundle as the onshore side reads it: manifest, contract, reason codes, golden set,
ONNX scoring and parity. Needs only numpy and onnxruntime, never the training stack.

Public API (stable)::

    from artifacts.bundle import load_bundle, Contract, OnnxScorer, golden_feeds

    bundle = load_bundle(path)
    assert not bundle.digest_problems()
    contract = Contract.from_dict(bundle.document("contract.json"))
    scorer = OnnxScorer.from_bytes(bundle.read("model.onnx"), contract)
    p = scorer.probabilities(golden_feeds(bundle.document("golden_set.json"), contract))
"""

from regions import _exports

_EXPORTS = {
    "BUNDLE_FORMAT": "artifacts.bundle.manifest",
    "CARD_FORMAT": "artifacts.bundle.model_card",
    "ModelCardFacts": "artifacts.bundle.model_card",
    "Bundle": "artifacts.bundle.manifest",
    "CONTENT_FILES": "artifacts.bundle.manifest",
    "ColumnType": "artifacts.bundle.contract",
    "Contract": "artifacts.bundle.contract",
    "Field": "artifacts.bundle.contract",
    "category_codes": "artifacts.bundle.contract",
    "GOLDEN_FORMAT": "artifacts.bundle.golden",
    "GoldenExpected": "artifacts.bundle.golden",
    "GoldenSet": "artifacts.bundle.golden",
    "MANIFEST": "artifacts.bundle.manifest",
    "FileDigest": "artifacts.bundle.manifest",
    "Manifest": "artifacts.bundle.manifest",
    "ModelRef": "artifacts.bundle.manifest",
    "OnnxScorer": "artifacts.bundle.scoring",
    "Output": "artifacts.bundle.contract",
    "PARITY_TOLERANCE": "artifacts.bundle.parity",
    "PROFILE_FILE": "artifacts.bundle.reference_profile",
    "ReferenceProfile": "artifacts.bundle.reference_profile",
    "ParityReport": "artifacts.bundle.parity",
    "ReasonCodes": "artifacts.bundle.reason_codes",
    "SIGNATURE": "artifacts.bundle.manifest",
    "StagedBundle": "artifacts.bundle.manifest",
    "changes": "artifacts.bundle.contract",
    "golden_feeds": "artifacts.bundle.golden",
    "inference_session": "artifacts.bundle.scoring",
    "load_bundle": "artifacts.bundle.manifest",
    "next_version": "artifacts.bundle.contract",
    "sha256_bytes": "artifacts.bundle.manifest",
    "sha256_file": "artifacts.bundle.manifest",
    "staged_bundle": "artifacts.bundle.manifest",
    "to_json": "artifacts.bundle.manifest",
    "top_reasons": "artifacts.bundle.scoring",
}
__getattr__, __dir__ = _exports.lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
