"""Where a wanted vehicle is likely to be read next: the nearest cameras around its last sighting, ahead first.

Plain Python with no Django import. Direction of travel is the bearing from the last sighting at another
place to the last sighting. A camera's score is its distance weighted by how far it lies off that heading,
(2 - cos(angle))^2: straight ahead counts at its distance, sideways at four times, straight behind (where the
car has just been) at nine times. Without a heading (one sighting, or all at one camera) the nearest cameras
come first.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

EARTH_RADIUS_KM = 6371.0088
# Two sightings closer than this are the same place: they give no direction.
SAME_PLACE_KM = 0.05


@dataclass(frozen=True, slots=True)
class Place:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class NextCamera:
    key: Hashable
    distance_km: float
    bearing_deg: float
    ahead: bool  # within 90 degrees of the direction of travel (False when there is no direction)
    score: float


def distance_km(a: Place, b: Place) -> float:
    """Great-circle (haversine) distance."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def bearing_deg(a: Place, b: Place) -> float:
    """Initial bearing from a to b, degrees clockwise from north, 0 to 360."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlon = math.radians(b.lon - a.lon)
    x = math.sin(dlon) * math.cos(lat2)
    y = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(dlon)
    return math.degrees(math.atan2(x, y)) % 360


def heading_deg(trail: Sequence[Place]) -> float | None:
    """Direction of travel at the end of a trail (oldest first), or None when it never moved."""
    if not trail:
        return None
    last = trail[-1]
    for earlier in reversed(trail[:-1]):
        if distance_km(earlier, last) >= SAME_PLACE_KM:
            return bearing_deg(earlier, last)
    return None


def next_cameras(
    trail: Sequence[Place],
    cameras: Iterable[tuple[Hashable, float, float]],
    *,
    limit: int = 5,
    radius_km: float = 15.0,
    exclude: frozenset[Hashable] | set[Hashable] = frozenset(),
) -> list[NextCamera]:
    """The `limit` most likely next cameras (key, lat, lon given) within `radius_km` of the last sighting."""
    if not trail:
        return []
    last = trail[-1]
    heading = heading_deg(trail)
    ranked: list[NextCamera] = []
    for key, lat, lon in cameras:
        if key in exclude:
            continue
        place = Place(lat, lon)
        distance = distance_km(last, place)
        if distance > radius_km or distance < SAME_PLACE_KM:
            continue
        bearing = bearing_deg(last, place)
        if heading is None:
            ranked.append(NextCamera(key, distance, bearing, False, distance))
            continue
        off = math.radians(abs((bearing - heading + 180) % 360 - 180))
        ranked.append(NextCamera(key, distance, bearing, off < math.pi / 2, distance * (2 - math.cos(off)) ** 2))
    ranked.sort(key=lambda camera: (camera.score, camera.distance_km))
    return ranked[:limit]


def bounding_box(place: Place, radius_km: float) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lon, max lon) around a place, for a cheap indexed pre-filter."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    dlon = dlat / max(math.cos(math.radians(place.lat)), 0.01)
    return place.lat - dlat, place.lat + dlat, place.lon - dlon, place.lon + dlon


@dataclass(slots=True)
class TrailStop:
    """Consecutive sightings at one camera, drawn as one point: where, from when to when, how many reads."""

    key: Hashable
    place: Place
    first_seen: Any
    last_seen: Any
    reads: int
    all_misread: bool  # every read here was marked a misread: drawn grey, not steering the prediction


def trail_stops(sightings: Iterable[tuple[Hashable, Place, Any, bool]]) -> list[TrailStop]:
    """Sightings (camera key, place, seen at, marked misread), oldest first, with repeats at one camera folded."""
    runs: list[list[Any]] = []
    for key, place, seen_at, misread in sightings:
        if runs and runs[-1][0] == key:
            run = runs[-1]
            run[3], run[4], run[5] = seen_at, run[4] + 1, run[5] and misread
        else:
            runs.append([key, place, seen_at, seen_at, 1, misread])
    return [TrailStop(*run) for run in runs]


def trail_simplify(stops: Sequence[TrailStop], *, limit: int) -> list[TrailStop]:
    """At most `limit` stops, oldest first: the most recent half of them as they are, older ones thinned evenly.

    Where the vehicle went last is what officers act on, so it keeps full detail; the older path keeps its
    overall course. A short trail comes back unchanged; the most recent stop is always kept. Linear in the
    number of stops (a line simplifier such as Douglas-Peucker folds a vehicle circling one district to a few
    points, and costs seconds on thousands of them).
    """
    if len(stops) <= limit:
        return list(stops)
    if limit <= 0:
        return []
    recent = max(1, limit // 2)
    older, budget = stops[:-recent], limit - recent
    step = len(older) / budget if budget else 0
    thinned = [older[int(index * step)] for index in range(budget)]
    return [*thinned, *stops[-recent:]]
