"""Model registries and the onshore import: the MLflow registry (embedded SQLite or a server) and
the verified import of a bundle into a region's registry.

Public API (stable)::

    from artifacts.registry import bundle_for_alias, import_bundle

    imported = import_bundle(path, catalogue=load_catalogue(), region="onshore-hn",
                             home=Path(".seawall"))
    path, version = bundle_for_alias(home=Path(".seawall"), region="onshore-hn",
                                     alias="production")
"""

from regions import _exports

_EXPORTS = {
    "CANDIDATE_ALIAS": "artifacts.registry.protocol",
    "CONTRACT_ARTIFACT": "artifacts.registry.mlflow_registry",
    "Imported": "artifacts.registry.bundle_import",
    "MlflowRegistry": "artifacts.registry.mlflow_registry",
    "PENDING_ALIAS": "artifacts.registry.protocol",
    "RegisteredVersion": "artifacts.registry.protocol",
    "Registry": "artifacts.registry.protocol",
    "InMemoryRegistry": "artifacts.registry.memory",
    "bundle_for_alias": "artifacts.registry.bundle_import",
    "bundle_with_digest": "artifacts.registry.bundle_import",
    "region_registry": "artifacts.registry.bundle_import",
    "MANIFEST_TAG": "artifacts.registry.bundle_import",
    "import_bundle": "artifacts.registry.bundle_import",
    "sqlite_uri": "artifacts.registry.mlflow_registry",
    "PromotionError": "artifacts.registry.promotion",
    "State": "artifacts.registry.promotion",
    "check_move": "artifacts.registry.promotion",
    "Role": "artifacts.registry.tiering",
    "assign_tier": "artifacts.registry.tiering",
    "gate": "artifacts.registry.tiering",
}
__getattr__, __dir__ = _exports.lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
