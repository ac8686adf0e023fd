"""The region catalogue: where Seawall may train, serve and keep data.

Public API (stable)::

    from regions import load_catalogue, Tier, DataClass, require_tier, check_data_classes

    catalogue = load_catalogue()            # packaged catalogue, or $SEAWALL_CATALOGUE
    region = catalogue.get("offshore-sg")
    require_tier(region, Tier.TRAINING)     # raises ResidencyError if not allowed
    check_data_classes(region, {"AGE": DataClass.ANONYMOUS}, source="spec.yaml")

`regions` imports nothing else of Seawall's.
"""

from regions._loader import CATALOGUE_ENV, PACKAGED_CATALOGUE, Catalogue, load_catalogue
from regions._model import PERSONAL_DATA_CLASSES, DataClass, Region, Residency, Tier
from regions.errors import CatalogueError, RegionError, ResidencyError
from regions.residency import check_data_classes, require_tier

__all__ = [
    "CATALOGUE_ENV",
    "PACKAGED_CATALOGUE",
    "PERSONAL_DATA_CLASSES",
    "Catalogue",
    "CatalogueError",
    "DataClass",
    "Region",
    "RegionError",
    "Residency",
    "ResidencyError",
    "Tier",
    "check_data_classes",
    "load_catalogue",
    "require_tier",
]
