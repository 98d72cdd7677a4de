"""Reads on patrol units: the units an officer may send, the nearest ones for a hit, a terminal's assignment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from sightings import permissions
from sightings.models import PatrolUnit, Sighting
from sightings.orders.selectors import likely_next_cameras
from sightings.orders.trail import Place, bounding_box, heading_deg, trail_simplify, trail_stops
from sightings.units.nearest import RankedUnit, units_rank

NEAR_RADIUS_KM = 30.0
NEAR_LIMIT = 10
NEAR_LIMIT_MAX = 50
# The trail a unit is given: the order's sightings up to the one it is sent to, the most recent first read.
ASSIGNMENT_TRAIL_SCAN = 200
ASSIGNMENT_TRAIL_POINTS = 50
# How many sightings before a hit say where the vehicle was heading (the last two places are enough).
HEADING_SCAN = 20


def unit_get(call_sign: str) -> PatrolUnit | None:
    return PatrolUnit.objects.select_related("agency").filter(call_sign=call_sign).first()


def units_list(*, user: Any) -> QuerySet[PatrolUnit]:
    """Every unit the officer may send, whatever its status, by call sign."""
    return permissions.units_dispatchable(user, PatrolUnit.objects.select_related("agency")).order_by("call_sign")


def _trail_places(sighting: Sighting) -> list[tuple[Any, Place, Any, bool]]:
    """The order's sightings up to and including this one (camera id, place, seen at, marked misread), oldest first."""
    rows = list(
        Sighting.objects.filter(order_id=sighting.order_id, seen_at__lte=sighting.seen_at)
        .order_by("-seen_at", "-id")
        .values_list("camera_id", "camera__lat", "camera__lon", "seen_at", "verification")[:ASSIGNMENT_TRAIL_SCAN]
    )
    rows.reverse()
    misread = Sighting.Verification.MISREAD
    return [
        (camera_id, Place(lat, lon), seen_at, verification == misread)
        for camera_id, lat, lon, seen_at, verification in rows
    ]


def sighting_heading(sighting: Sighting) -> float | None:
    """The vehicle's direction of travel when this hit was read, from the sightings before it (None: unknown)."""
    rows = list(
        Sighting.objects.filter(order_id=sighting.order_id, seen_at__lte=sighting.seen_at)
        .exclude(verification=Sighting.Verification.MISREAD)
        .order_by("-seen_at", "-id")
        .values_list("camera__lat", "camera__lon")[:HEADING_SCAN]
    )
    rows.reverse()
    return heading_deg([Place(lat, lon) for lat, lon in rows])


@dataclass(frozen=True)
class NearUnits:
    heading: float | None
    units: list[tuple[PatrolUnit, RankedUnit]]


def units_near(*, user: Any, sighting: Sighting, limit: int = NEAR_LIMIT) -> NearUnits:
    """The available units with a known position that the officer may send, ahead of the vehicle first, then
    nearest: two queries (the hit's direction of travel, the units in a box around its camera)."""
    camera = sighting.camera
    origin = Place(camera.lat, camera.lon)
    heading = sighting_heading(sighting)
    min_lat, max_lat, min_lon, max_lon = bounding_box(origin, NEAR_RADIUS_KM)
    candidates = {
        unit.pk: unit
        for unit in permissions.units_dispatchable(
            user,
            PatrolUnit.objects.with_fresh_position().filter(
                status=PatrolUnit.Status.AVAILABLE,
                lat__gte=min_lat,
                lat__lte=max_lat,
                lon__gte=min_lon,
                lon__lte=max_lon,
            ),
        ).select_related("agency")
    }
    ranked = units_rank(
        origin,
        heading,
        ((unit.pk, unit.lat, unit.lon) for unit in candidates.values()),
        limit=limit,
        radius_m=NEAR_RADIUS_KM * 1000,
    )
    return NearUnits(heading=heading, units=[(candidates[rank.key], rank) for rank in ranked])


def unit_position(unit: PatrolUnit) -> dict[str, Any] | None:
    """The unit's last position while it counts (UNIT_POSITION_MAX_AGE_SECONDS), else None."""
    if not unit.position_fresh():
        return None
    return {
        "lat": unit.lat,
        "lon": unit.lon,
        "heading_deg": unit.heading_deg,
        "accuracy_m": unit.accuracy_m,
        "at": unit.position_at.isoformat(),
    }


def unit_summary(unit: PatrolUnit) -> dict[str, Any]:
    """A unit as the 112 room's lists and the unit's own terminal show it. Needs the agency joined."""
    return {
        "call_sign": unit.call_sign,
        "agency": unit.agency.code,
        "agency_name": unit.agency.name,
        "status": unit.status,
        "status_at": unit.status_at.isoformat(),
        "position": unit_position(unit),
        "assignment": str(unit.assignment_id) if unit.assignment_id else None,
    }


def _who(user: Any) -> str | None:
    return (user.get_full_name() or user.username) if user is not None else None


def assignment_payload(sighting: Sighting, *, unit: PatrolUnit) -> dict[str, Any]:
    """What the unit's terminal shows for its assignment: the vehicle, where and when it was read, its trail up to
    that read and the cameras likely to read it next. Needs order, camera__municipality, dispatched_by joined."""
    order, camera = sighting.order, sighting.camera
    stops = trail_stops(_trail_places(sighting))
    next_cameras = likely_next_cameras(stops)
    return {
        "sighting": str(sighting.id),
        "wanted": order.plate or order.pattern,
        "plate": sighting.plate,
        "vehicle": order.vehicle,
        "crime": order.crime,
        "crime_label": str(order.get_crime_display()),
        "priority": order.priority,
        "match_kind": sighting.match_kind,
        "verification": sighting.verification,
        "camera": camera.code,
        "camera_name": camera.name,
        "municipality_name": str(camera.municipality.name),
        "lat": camera.lat,
        "lon": camera.lon,
        "seen_at": sighting.seen_at.isoformat(),
        "has_plate_image": bool(sighting.plate_image),
        "has_vehicle_image": bool(sighting.vehicle_image),
        "assigned_at": unit.assigned_at.isoformat() if unit.assigned_at else None,
        "dispatched_by": _who(sighting.dispatched_by),
        "status": sighting.dispatch_status or None,
        "trail": [
            [stop.place.lat, stop.place.lon, stop.last_seen.isoformat()]
            for stop in trail_simplify(stops, limit=ASSIGNMENT_TRAIL_POINTS)
        ],
        "next_cameras": [
            {
                "camera": next_camera.code,
                "name": next_camera.name,
                "lat": next_camera.lat,
                "lon": next_camera.lon,
                "distance_m": round(prediction.distance_km * 1000),
                "ahead": prediction.ahead,
            }
            for next_camera, prediction in next_cameras
        ],
    }


def unit_state(unit_id: Any) -> dict[str, Any] | None:
    """The unit with its current assignment, as its terminal's socket sends it (None: no such unit)."""
    unit = PatrolUnit.objects.select_related("agency").filter(pk=unit_id).first()
    if unit is None:
        return None
    assignment = None
    if unit.assignment_id:
        sighting = (
            Sighting.objects.select_related("order", "camera__municipality", "dispatched_by")
            .filter(pk=unit.assignment_id)
            .first()
        )
        if sighting is not None:
            assignment = assignment_payload(sighting, unit=unit)
    return {"unit": unit_summary(unit), "assignment": assignment, "sent_at": timezone.now().isoformat()}


def unit_key_still_valid(key_id: Any, unit_id: Any) -> bool:
    """Checked for every event to a terminal's socket: its key still works and is still this unit's."""
    from accounts.models import ApiKey

    api_key = ApiKey.objects.select_related("user").filter(pk=key_id).first()
    return bool(
        api_key is not None
        and api_key.is_usable()
        and api_key.unit_id == unit_id
        and api_key.user is not None
        and api_key.user.is_active
    )
