"""Typed values of the region catalogue."""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass


class Residency(str, enum.Enum):
    ONSHORE = "onshore"
    OFFSHORE = "offshore"


class Tier(str, enum.Enum):
    TRAINING = "training"
    SERVING = "serving"


class DataClass(str, enum.Enum):
    """How identifying a column is; decides where it may be stored.

    `pii` identifies a person directly; `pseudonymous` can be linked back to one with a key
    held elsewhere; `anonymous` cannot be linked back; `aggregate` describes groups only.
    """

    PII = "pii"
    PSEUDONYMOUS = "pseudonymous"
    ANONYMOUS = "anonymous"
    AGGREGATE = "aggregate"


#: Data classes that are personal data under Decree 53/2022 and the 2025 PDP Law: never offshore.
PERSONAL_DATA_CLASSES = frozenset({DataClass.PII, DataClass.PSEUDONYMOUS})


@dataclass(frozen=True, kw_only=True)
class Region:
    """One region of the catalogue (one Pulumi stack)."""

    name: str
    display_name: str
    provider: str
    jurisdiction: str
    residency: Residency
    tiers: frozenset[Tier]
    data_classes: frozenset[DataClass]
    dr_pair: str | None
    trust_policy: str
    address_ranges: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    @property
    def onshore(self) -> bool:
        return self.residency is Residency.ONSHORE

    def allows_tier(self, tier: Tier) -> bool:
        return tier in self.tiers

    def allows(self, data_class: DataClass) -> bool:
        return data_class in self.data_classes
