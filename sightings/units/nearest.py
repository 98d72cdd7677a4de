"""Which patrol units are nearest to a hit: straight-line (haversine) distance, units ahead of the vehicle first.

Plain Python with no Django import. Distances are "road-free": the great-circle distance between the unit's last
reported position and the camera that read the plate. When the trail gives a direction of travel, a unit within
90 degrees of it, seen from the camera, is "ahead": it can wait for the vehicle instead of chasing it, so every
unit ahead comes before every unit behind, each group nearest first.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from sightings.orders.trail import Place, bearing_deg, distance_km


@dataclass(frozen=True, slots=True)
class RankedUnit:
    key: Hashable
    distance_m: float
    bearing_deg: float  # from the camera to the unit, degrees clockwise from north
    ahead: bool | None  # None when the trail gives no direction of travel


def haversine_m(a: Place, b: Place) -> float:
    """Great-circle distance in metres."""
    return distance_km(a, b) * 1000.0


def units_rank(
    origin: Place,
    heading: float | None,
    units: Iterable[tuple[Hashable, float, float]],
    *,
    limit: int,
    radius_m: float,
) -> list[RankedUnit]:
    """The `limit` best-placed units (key, lat, lon) within `radius_m` of the origin: ahead first, then nearest."""
    ranked: list[RankedUnit] = []
    for key, lat, lon in units:
        place = Place(lat, lon)
        distance = haversine_m(origin, place)
        if distance > radius_m:
            continue
        bearing = bearing_deg(origin, place)
        ahead = None
        if heading is not None:
            off = abs((bearing - heading + 180) % 360 - 180)
            # A unit standing at the camera itself is neither ahead nor behind: it is there; count it ahead.
            ahead = off < 90 or distance < 1.0
        ranked.append(RankedUnit(key, distance, bearing, ahead))
    ranked.sort(key=lambda unit: (unit.ahead is False, unit.distance_m))
    return ranked[: max(0, limit)]
