"""Reads on wanted orders: lists, one order's trail and where the vehicle may be read next."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from sightings.models import Camera, OrderEvent, Sighting, WantedOrder
from sightings.orders.trail import NextCamera, Place, bounding_box, next_cameras

# The trail on the order page shows this many sightings at most, the most recent ones.
TRAIL_LIMIT = 500
NEXT_CAMERA_COUNT = 5
NEXT_CAMERA_RADIUS_KM = 15.0


def orders_list(*, status: str | None = None, agency_id: Any = None, plate: str | None = None) -> QuerySet[WantedOrder]:
    """Orders newest first with their sighting count and last sighting time, in one query."""
    orders = (
        WantedOrder.objects.select_related("agency", "issued_by")
        .annotate(sighting_count=Count("sightings"), last_seen_at=Max("sightings__seen_at"))
        .order_by("-created_at", "-id")
    )
    if status:
        orders = orders.filter(status=status)
    if agency_id:
        orders = orders.filter(agency_id=agency_id)
    if plate:
        orders = orders.filter(Q(plate__contains=plate) | Q(pattern__contains=plate))
    return orders


def order_get(order_id: UUID | str) -> WantedOrder | None:
    return WantedOrder.objects.select_related("agency", "issued_by").filter(pk=order_id).first()


def orders_matchable(*, now: dt.datetime | None = None) -> QuerySet[WantedOrder]:
    """Orders that match reads right now: active and not past their expiry, whether or not beat has run."""
    return WantedOrder.objects.active(now=now)


@dataclass(frozen=True)
class OrderTrail:
    sightings: list[Sighting]  # oldest first
    events: list[OrderEvent]
    next_cameras: list[tuple[Camera, NextCamera]]
    last_seen_at: dt.datetime | None
    truncated: bool

    @property
    def municipalities(self) -> list[Any]:
        """The municipalities the vehicle passed through, in order of first sighting."""
        seen: dict[Any, Any] = {}
        for sighting in self.sightings:
            seen.setdefault(sighting.camera.municipality_id, sighting.camera.municipality)
        return list(seen.values())

    def since_last_seen(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        if self.last_seen_at is None:
            return None
        return (now or timezone.now()) - self.last_seen_at


def order_trail(order: WantedOrder) -> OrderTrail:
    """The order's sightings, history and likely next cameras, in three queries."""
    recent = list(
        Sighting.objects.filter(order=order)
        .select_related("camera__municipality__province", "verified_by")
        .order_by("-seen_at", "-id")[: TRAIL_LIMIT + 1]
    )
    truncated = len(recent) > TRAIL_LIMIT
    sightings = list(reversed(recent[:TRAIL_LIMIT]))
    events = list(OrderEvent.objects.filter(order=order).select_related("actor").order_by("at", "id"))
    return OrderTrail(
        sightings=sightings,
        events=events,
        next_cameras=_next_cameras(sightings),
        last_seen_at=sightings[-1].seen_at if sightings else None,
        truncated=truncated,
    )


def _next_cameras(sightings: list[Sighting]) -> list[tuple[Camera, NextCamera]]:
    # Misread leads nobody confirmed may be another car: they do not steer the prediction.
    trusted = [s for s in sightings if s.verification != Sighting.Verification.MISREAD]
    if not trusted:
        return []
    places = [Place(s.camera.lat, s.camera.lon) for s in trusted]
    min_lat, max_lat, min_lon, max_lon = bounding_box(places[-1], NEXT_CAMERA_RADIUS_KM)
    candidates = {
        camera.id: camera
        for camera in Camera.objects.filter(
            active=True,
            reads_plates=True,
            lat__gte=min_lat,
            lat__lte=max_lat,
            lon__gte=min_lon,
            lon__lte=max_lon,
        ).select_related("municipality")
    }
    predicted = next_cameras(
        places,
        ((camera.id, camera.lat, camera.lon) for camera in candidates.values()),
        limit=NEXT_CAMERA_COUNT,
        radius_km=NEXT_CAMERA_RADIUS_KM,
        # Cameras it has already passed say where it was, not where it goes next.
        exclude={s.camera_id for s in trusted},
    )
    return [(candidates[p.key], p) for p in predicted]
