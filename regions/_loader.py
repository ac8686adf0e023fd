"""Load and check the region catalogue: one YAML file per region.

Each file is checked on its own (known fields, types, allowed values), then the catalogue is
checked as a whole (DR pairs, one home jurisdiction). Every error names the file, the field
and the rule, so the platform engineer can fix the file without reading this code.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from regions._model import PERSONAL_DATA_CLASSES, DataClass, Region, Residency, Tier
from regions.errors import CatalogueError

PACKAGED_CATALOGUE = Path(__file__).parent / "catalogue"
CATALOGUE_ENV = "SEAWALL_CATALOGUE"

_REQUIRED = ("name", "provider", "jurisdiction", "residency", "tiers", "data_classes",
             "dr_pair", "trust_policy")
_OPTIONAL = ("display_name", "address_ranges", "description")


@dataclass(frozen=True)
class Catalogue:
    """Every region Seawall knows, by name."""

    directory: Path
    regions: dict[str, Region]

    def get(self, name: str) -> Region:
        try:
            return self.regions[name]
        except KeyError:
            known = ", ".join(sorted(self.regions)) or "none"
            raise CatalogueError(str(self.directory), None,
                                 f"unknown region '{name}' (known regions: {known})") from None

    def __iter__(self) -> Iterator[Region]:
        return iter(sorted(self.regions.values(), key=lambda r: r.name))

    def __len__(self) -> int:
        return len(self.regions)

    def offshore_ranges(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """Address ranges of every offshore region (for egress deny rules)."""
        return tuple(net for r in self if not r.onshore for net in r.address_ranges)


def load_catalogue(directory: Path | str | None = None) -> Catalogue:
    """Load every `*.yaml` region file in `directory` and check the catalogue.

    `directory` defaults to `$SEAWALL_CATALOGUE`, then to the catalogue shipped with Seawall.
    """
    path = Path(directory or os.environ.get(CATALOGUE_ENV) or PACKAGED_CATALOGUE)
    if not path.is_dir():
        raise CatalogueError(str(path), None, "region catalogue directory not found")
    files = sorted(path.glob("*.yaml"))
    if not files:
        raise CatalogueError(str(path), None, "region catalogue holds no *.yaml region files")
    regions = {region.name: region for region in map(_load_region, files)}
    catalogue = Catalogue(directory=path, regions=regions)
    _check_consistency(catalogue, {file.stem: file for file in files})
    return catalogue


def _load_region(file: Path) -> Region:
    where = str(file)
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise CatalogueError(where, None, f"not valid YAML ({e})") from e
    if not isinstance(raw, dict):
        raise CatalogueError(where, None, "a region file must be a YAML mapping of fields")
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise CatalogueError(where, unknown[0], "unknown field (allowed: "
                             + ", ".join(_REQUIRED + _OPTIONAL) + ")")
    for key in _REQUIRED:
        if key not in raw:
            raise CatalogueError(where, key, "required field is missing")

    def field(key: str, parse: Callable[[Any], Any]) -> Any:
        try:
            return parse(raw.get(key))
        except ValueError as e:
            raise CatalogueError(where, key, str(e)) from None

    region = Region(
        name=field("name", _text),
        display_name=field("display_name", lambda v: _text(v) if v is not None else raw["name"]),
        provider=field("provider", _text),
        jurisdiction=field("jurisdiction", _jurisdiction),
        residency=field("residency", lambda v: _enum(Residency, v)),
        tiers=field("tiers", lambda v: _enum_set(Tier, v)),
        data_classes=field("data_classes", lambda v: _enum_set(DataClass, v)),
        dr_pair=field("dr_pair", lambda v: None if v is None else _text(v)),
        trust_policy=field("trust_policy", _relative_path),
        address_ranges=field("address_ranges", _networks),
    )
    if not (file.parent / region.trust_policy).is_file():
        raise CatalogueError(where, "trust_policy", f"{file.parent / region.trust_policy} does "
                             "not exist (every region needs a trust policy, even an empty one)")
    if region.name != file.stem:
        raise CatalogueError(where, "name", f"must equal the file name '{file.stem}' "
                             f"(got '{region.name}')")
    if not region.onshore and Tier.SERVING in region.tiers:
        raise CatalogueError(where, "tiers", "the serving tier is allowed only in onshore "
                             "regions (serving must stay onshore)")
    personal = sorted(c.value for c in region.data_classes & PERSONAL_DATA_CLASSES)
    if not region.onshore and personal:
        raise CatalogueError(where, "data_classes", f"an offshore region may not hold personal "
                             f"data classes ({', '.join(personal)}); only anonymous or aggregate")
    return region


def _check_consistency(catalogue: Catalogue, files: dict[str, Path]) -> None:
    home = {r.jurisdiction for r in catalogue if r.onshore}
    if len(home) > 1:
        raise CatalogueError(str(catalogue.directory), None, "onshore regions span several "
                             f"jurisdictions ({', '.join(sorted(home))}); use one catalogue each")
    for region in catalogue:
        where = str(files[region.name])
        if not region.onshore and region.jurisdiction in home:
            raise CatalogueError(where, "jurisdiction", f"an offshore region cannot be in the "
                                 f"home jurisdiction {region.jurisdiction}")
        _check_dr_pair(catalogue, region, where)
    # Mutuality last, so a broken pair is blamed on its own file, not on its partner's.
    for region in catalogue:
        pair = catalogue.regions.get(region.dr_pair or "")
        if pair is not None and pair.dr_pair != region.name:
            raise CatalogueError(str(files[region.name]), "dr_pair", f"DR pairs must be mutual: "
                                 f"'{pair.name}' pairs with '{pair.dr_pair}'")


def _check_dr_pair(catalogue: Catalogue, region: Region, where: str) -> None:
    if region.dr_pair is None:
        if Tier.SERVING in region.tiers:
            raise CatalogueError(where, "dr_pair", "a serving region needs a DR pair")
        return
    pair = catalogue.regions.get(region.dr_pair)
    if pair is None:
        raise CatalogueError(where, "dr_pair", f"names region '{region.dr_pair}', which is "
                             "not in the catalogue")
    if pair.name == region.name:
        raise CatalogueError(where, "dr_pair", "a region cannot be its own DR pair")
    if not pair.onshore or Tier.SERVING not in pair.tiers:
        raise CatalogueError(where, "dr_pair", f"DR pair '{pair.name}' must be an onshore "
                             "serving region (failover must not leave the jurisdiction)")


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string (got {value!r})")
    return value.strip()


def _jurisdiction(value: Any) -> str:
    text = _text(value)
    if len(text) != 2 or not text.isalpha() or not text.isupper():
        raise ValueError(f"must be an ISO 3166-1 alpha-2 code such as VN or SG (got {text!r})")
    return text


def _enum(kind: type, value: Any) -> Any:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise ValueError(f"{value!r} is not one of: {allowed}") from None


def _enum_set(kind: type, value: Any) -> frozenset:
    if not isinstance(value, list) or not value:
        raise ValueError("must be a non-empty list")
    items = [_enum(kind, v) for v in value]
    if len(set(items)) != len(items):
        raise ValueError("lists a value twice")
    return frozenset(items)


def _relative_path(value: Any) -> str:
    text = _text(value)
    if text.startswith("/") or ".." in Path(text).parts:
        raise ValueError(f"must be a path inside the catalogue directory (got {text!r})")
    return text


def _networks(value: Any) -> tuple:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError("must be a list of CIDR ranges")
    try:
        return tuple(ipaddress.ip_network(v) for v in value)
    except (TypeError, ValueError) as e:
        raise ValueError(f"holds an invalid CIDR range ({e})") from None
