"""Reads on wanted orders: lists, one order's trail and where the vehicle may be read next."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils import timezone

from sightings.models import Camera, OrderEvent, Sighting, WantedOrder
from sightings.orders.trail import (
    NextCamera,
    Place,
    TrailStop,
    bounding_box,
    next_cameras,
    trail_simplify,
    trail_stops,
)

# The order page draws its map from the most recent sightings only, folded and thinned to a bounded number of
# points, and shows its table of sightings a page at a time: an order seen 10,000 times costs what one seen
# a thousand times does.
TRAIL_SCAN = 1000
TRAIL_POINTS = 200
TIMELINE_PAGE = 50
NEXT_CAMERA_COUNT = 5
NEXT_CAMERA_RADIUS_KM = 15.0


def orders_list(*, status: str | None = None, agency_id: Any = None, plate: str | None = None) -> QuerySet[WantedOrder]:
    """Orders newest first, each with its maintained sighting count and last-seen time (no scan of sightings)."""
    orders = WantedOrder.objects.select_related("agency", "issued_by").order_by("-created_at", "-id")
    if status:
        orders = orders.filter(status=status)
    if agency_id:
        orders = orders.filter(agency_id=agency_id)
    if plate:
        orders = orders.filter(Q(plate__contains=plate) | Q(pattern__contains=plate))
    return orders


@dataclass(frozen=True)
class KeysetPage:
    """One page of a list ordered newest first, and where the next (older) page starts, if there is one."""

    items: list[Any]
    next_cursor: str | None


def keyset_page(queryset: QuerySet, *, time_field: str, cursor: str | None, size: int) -> KeysetPage:
    """The page after `cursor` of a queryset ordered by (-time_field, -id); raises ValueError for a bad cursor.

    A cursor is the last row's time and id (keyset_cursor). Unlike an offset, page 1,000 costs what page 1 does.
    """
    if cursor:
        when, key = keyset_position(cursor)
        queryset = queryset.filter(Q(**{f"{time_field}__lt": when}) | Q(**{time_field: when, "id__lt": key}))
    rows = list(queryset[: size + 1])
    items = rows[:size]
    if len(rows) <= size:
        return KeysetPage(items, None)
    return KeysetPage(items, keyset_cursor(items[-1], time_field=time_field))


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def keyset_cursor(row: Any, *, time_field: str) -> str:
    """Where the page after `row` starts: its time in microseconds since the epoch and its id (URL-safe)."""
    return f"{(getattr(row, time_field) - _EPOCH) // dt.timedelta(microseconds=1)}_{row.pk}"


def keyset_position(cursor: str) -> tuple[dt.datetime, UUID]:
    """The time and id a keyset_cursor names; ValueError (or OverflowError) when it names none."""
    at, _, pk = cursor.partition("_")
    return _EPOCH + dt.timedelta(microseconds=int(at)), UUID(pk)


def order_get(order_id: UUID | str) -> WantedOrder | None:
    return WantedOrder.objects.select_related("agency", "issued_by").filter(pk=order_id).first()


def orders_matchable(*, now: dt.datetime | None = None) -> QuerySet[WantedOrder]:
    """Orders that match reads right now: active and not past their expiry, whether or not beat has run."""
    return WantedOrder.objects.active(now=now)


@dataclass(frozen=True)
class OrderTrail:
    stops: list[TrailStop]  # where it was seen, oldest first: recent sightings folded and thinned for the map
    cameras: dict[Any, Camera]  # the stops' cameras, with municipality and province
    timeline: KeysetPage  # one page of its sightings, newest first
    events: list[OrderEvent]
    next_cameras: list[tuple[Camera, NextCamera]]
    last_seen_at: dt.datetime | None
    sighting_count: int
    drawn_from: int  # how many of the most recent sightings the map was drawn from

    @property
    def truncated(self) -> bool:
        return self.sighting_count > self.drawn_from or len(self.stops) >= TRAIL_POINTS

    @property
    def last_camera(self) -> Camera | None:
        return self.cameras[self.stops[-1].key] if self.stops else None

    @property
    def municipalities(self) -> list[Any]:
        """The municipalities the vehicle passed through, in order of first sighting."""
        seen: dict[Any, Any] = {}
        for stop in self.stops:
            camera = self.cameras[stop.key]
            seen.setdefault(camera.municipality_id, camera.municipality)
        return list(seen.values())

    def since_last_seen(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        if self.last_seen_at is None:
            return None
        return (now or timezone.now()) - self.last_seen_at


def order_timeline(order: WantedOrder, *, cursor: str | None = None) -> KeysetPage:
    """One page of the order's sightings for its table, newest first; ValueError for a bad cursor."""
    sightings = (
        Sighting.objects.filter(order=order)
        .select_related("camera__municipality__province", "verified_by")
        .order_by("-seen_at", "-id")
    )
    return keyset_page(sightings, time_field="seen_at", cursor=cursor, size=TIMELINE_PAGE)


def order_trail(order: WantedOrder, *, cursor: str | None = None) -> OrderTrail:
    """The order's map trail, one page of its sightings, its history and likely next cameras: six queries at most,
    whatever the number of sightings."""
    recent = list(
        Sighting.objects.filter(order=order)
        .order_by("-seen_at", "-id")
        .values_list("camera_id", "seen_at", "verification")[:TRAIL_SCAN]
    )
    recent.reverse()
    cameras = {
        camera.id: camera
        for camera in Camera.objects.filter(id__in={camera_id for camera_id, _, _ in recent}).select_related(
            "municipality__province"
        )
    }
    misread = Sighting.Verification.MISREAD
    stops = trail_stops(
        (camera_id, Place(cameras[camera_id].lat, cameras[camera_id].lon), seen_at, verification == misread)
        for camera_id, seen_at, verification in recent
    )
    timeline = order_timeline(order, cursor=cursor)
    events = list(OrderEvent.objects.filter(order=order).select_related("actor").order_by("at", "id"))
    return OrderTrail(
        stops=trail_simplify(stops, limit=TRAIL_POINTS),
        cameras=cameras,
        timeline=timeline,
        events=events,
        next_cameras=likely_next_cameras(stops),
        last_seen_at=recent[-1][1] if recent else None,
        sighting_count=max(order.sighting_count, len(recent)),
        drawn_from=len(recent),
    )


def likely_next_cameras(stops: list[TrailStop]) -> list[tuple[Camera, NextCamera]]:
    """Where the vehicle is likely read next after these stops (oldest first), nearest ahead first: one query."""
    # Misread leads nobody confirmed may be another car: they do not steer the prediction.
    trusted = [stop for stop in stops if not stop.all_misread]
    if not trusted:
        return []
    places = [stop.place for stop in trusted]
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
        exclude={stop.key for stop in trusted},
    )
    return [(candidates[p.key], p) for p in predicted]
