"""The region catalogue: where Seawall may train, serve and keep data.

Public API (stable)::

    from regions import load_catalogue, Tier, DataClass, require_tier, check_data_classes

    catalogue = load_catalogue()            # packaged catalogue, or $SEAWALL_CATALOGUE
    region = catalogue.get("offshore-sg")
    require_tier(region, Tier.TRAINING)     # raises ResidencyError if not allowed
    check_data_classes(region, {"AGE": DataClass.ANONYMOUS}, source="spec.yaml")
    url = resolve_secret("secret:decision-log-url")   # $SEAWALL_SECRETS: file or Vault

Every Seawall error derives from `SeawallError` (here: the lowest area); `Mistake` and
`Verdict` keep a user's error apart from a check that refused.

`regions` imports nothing else of Seawall's.
"""

from regions._loader import CATALOGUE_ENV, PACKAGED_CATALOGUE, Catalogue, load_catalogue
from regions._model import PERSONAL_DATA_CLASSES, DataClass, Region, Residency, Tier
from regions.errors import (
    CatalogueError,
    Mistake,
    RegionError,
    ResidencyError,
    SeawallError,
    SecretError,
    Verdict,
)
from regions.home import region_home, timezone_of
from regions.residency import check_data_classes, cross_border_ranges, require_tier
from regions.secrets import (
    SECRETS_ENV,
    InMemorySecretStore,
    LocalSecretStore,
    SecretStore,
    VaultSecretStore,
    open_secret_store,
    resolve_secret,
)

__all__ = [
    "CATALOGUE_ENV",
    "PACKAGED_CATALOGUE",
    "PERSONAL_DATA_CLASSES",
    "SECRETS_ENV",
    "Catalogue",
    "CatalogueError",
    "DataClass",
    "InMemorySecretStore",
    "LocalSecretStore",
    "Mistake",
    "Region",
    "RegionError",
    "Residency",
    "ResidencyError",
    "SeawallError",
    "SecretError",
    "SecretStore",
    "Tier",
    "VaultSecretStore",
    "Verdict",
    "check_data_classes",
    "cross_border_ranges",
    "load_catalogue",
    "open_secret_store",
    "region_home",
    "require_tier",
    "resolve_secret",
    "timezone_of",
]
