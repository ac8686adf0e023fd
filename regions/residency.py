"""Residency rules: what may run, and which data may be held, in a region.

These checks run before any row is read or any resource is planned, so a violation is refused
rather than cleaned up afterwards (Decree 53/2022 Art 26; Law 91/2025/QH15 on personal data).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping

from regions._model import DataClass, Region, Tier
from regions.errors import ResidencyError


def require_tier(region: Region, tier: Tier) -> None:
    """Refuse to run `tier` in a region whose catalogue entry does not allow it."""
    if not region.allows_tier(tier):
        allowed = ", ".join(sorted(t.value for t in region.tiers))
        raise ResidencyError(
            f"region '{region.name}' ({region.residency.value}, {region.jurisdiction}) does not "
            f"allow the {tier.value} tier (allowed: {allowed})")


def check_data_classes(region: Region, columns: Mapping[str, DataClass], *, source: str) -> None:
    """Refuse a data set with any column whose data class `region` may not hold.

    Every offending column is named with its class, so one run shows the whole problem.
    """
    refused = [(name, cls) for name, cls in columns.items() if not region.allows(cls)]
    if refused:
        listed = "; ".join(f"column '{n}' is {c.value}" for n, c in refused)
        allowed = ", ".join(sorted(c.value for c in region.data_classes))
        raise ResidencyError(
            f"{source}: region '{region.name}' ({region.residency.value}) may hold only "
            f"{allowed} data, but {listed}. Nothing was read. Anonymise or drop these columns "
            f"before the data leaves the onshore region.")


def cross_border_ranges(catalogue: Iterable[Region], region: Region
                        ) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The address ranges of every region across the border from `region` (of another
    residency): no egress from `region` may reach them. The one place this rule is computed;
    the stack config and the policy pack both ask it."""
    return tuple(net for other in catalogue if other.residency is not region.residency
                 for net in other.address_ranges)
