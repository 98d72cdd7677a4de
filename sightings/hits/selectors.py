"""Reads of hits (sightings) for the live feed, the dashboards and the sightings API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from sightings import permissions
from sightings.live import alerts
from sightings.models import Camera, Sighting, WantedOrder

# The dashboards open with the latest hits and the trails of the orders they belong to.
DASHBOARD_HITS = 50


def sightings_with_relations(queryset: QuerySet[Sighting]) -> QuerySet[Sighting]:
    """Everything a hit's payload shows, in one query."""
    return queryset.select_related("order", "camera__municipality", "verified_by", "acknowledged_by", "dispatched_by")


# -- the live feed ---------------------------------------------------------------------------------------------


def alert_access_of_user(user_id: int) -> permissions.AlertAccess | None:
    user = get_user_model().objects.select_related("municipality").filter(pk=user_id).first()
    return permissions.alert_access_for(user)


def order_is_active(order_id: str) -> bool:
    return WantedOrder.objects.active().filter(pk=order_id).exists()


def alert_stream_head() -> int:
    return alerts.stream_head()


def alert_position_of(sighting_id: Any) -> int | None:
    """The stream position of the hit a client saw last (None when unknown or not yet in the stream)."""
    try:
        key = uuid.UUID(str(sighting_id))
    except ValueError:
        return None
    return Sighting.objects.filter(pk=key).values_list("stream_position", flat=True).first()


def alerts_between(user_id: int, *, after: int, before: int | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Payloads of the hits the person's feed carries with after < position < before, in stream order.

    The person is read afresh, so a replay never outlives a deactivation or a change of municipality.
    """
    user = get_user_model().objects.select_related("municipality").filter(pk=user_id).first()
    queryset = Sighting.objects.filter(stream_position__gt=after)
    if before is not None:
        queryset = queryset.filter(stream_position__lt=before)
    queryset = permissions.alerts_visible(user, queryset)
    return [
        alerts.sighting_payload(sighting)
        for sighting in sightings_with_relations(queryset).order_by("stream_position")[:limit]
    ]


# -- lists and single hits -------------------------------------------------------------------------------------


def sightings_list(
    *, user: Any, order_id: uuid.UUID | None = None, since: dt.datetime | None = None
) -> QuerySet[Sighting]:
    """The hits a person may see, newest received first, filtered in SQL (never in Python)."""
    queryset = permissions.sightings_visible(user, Sighting.objects.all())
    if order_id is not None:
        queryset = queryset.filter(order_id=order_id)
    if since is not None:
        queryset = queryset.filter(seen_at__gte=since)
    return sightings_with_relations(queryset).order_by("-received_at", "-id")


def sighting_get_visible(*, user: Any, sighting_id: uuid.UUID) -> Sighting | None:
    queryset = permissions.sightings_visible(user, Sighting.objects.filter(pk=sighting_id))
    return sightings_with_relations(queryset).first()


def dashboard_hits(*, user: Any) -> list[dict[str, Any]]:
    """The latest hits for a dashboard's first paint, as the same payloads the socket sends."""
    queryset = permissions.alerts_visible(user, Sighting.objects.all())
    if getattr(user, "municipality_id", None) and connection.vendor == "postgresql":
        # Still narrowed by alerts_visible above; this only says where to look.
        queryset = queryset.filter(id__in=_latest_of_municipality(user.municipality_id, DASHBOARD_HITS))
    latest = sightings_with_relations(queryset).order_by("-received_at", "-id")[:DASHBOARD_HITS]
    return [alerts.sighting_payload(sighting) for sighting in latest]


def _latest_of_municipality(municipality_id: int, limit: int) -> list[uuid.UUID]:
    """Ids of the latest hits of a municipality's cameras: the latest few of each camera, then the latest of those.

    Reading the national feed newest first until enough of one municipality's hits turn up costs a scan of
    the whole table for a quiet municipality (seconds at a year of data); each camera's own newest hits are
    one short index read (sightings_sight_camera_rcvd), however much the others have seen.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id FROM sightings_camera c CROSS JOIN LATERAL ("
            "  SELECT id, received_at FROM sightings_sighting WHERE camera_id = c.id"
            "  ORDER BY received_at DESC, id DESC LIMIT %s) s "
            "WHERE c.municipality_id = %s ORDER BY s.received_at DESC, s.id DESC LIMIT %s",
            [limit, municipality_id, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def dashboard_trails(*, user: Any, order_ids: list[str]) -> dict[str, list[list[float]]]:
    """Each order's trail as [lat, lon] points in the order the vehicle was seen (recent 24 h, capped)."""
    if not order_ids:
        return {}
    since = timezone.now() - dt.timedelta(hours=24)
    queryset = permissions.alerts_visible(user, Sighting.objects.filter(order_id__in=order_ids, seen_at__gte=since))
    trails: dict[str, list[list[float]]] = {}
    rows = queryset.order_by("seen_at").values_list("order_id", "camera__lat", "camera__lon")[:5000]
    for order_id, lat, lon in rows:
        trails.setdefault(str(order_id), []).append([lat, lon])
    return trails


def dashboard_cameras(*, user: Any) -> list[dict[str, Any]]:
    """An operator's own cameras for the map and the list."""
    if not getattr(user, "municipality_id", None):
        return []
    cameras = Camera.objects.filter(municipality_id=user.municipality_id).order_by("code")
    return [
        {
            "code": camera.code,
            "name": camera.name,
            "lat": camera.lat,
            "lon": camera.lon,
            "kind": camera.kind,
            "kind_label": str(camera.get_kind_display()),
            "active": camera.active,
            "reads_plates": camera.reads_plates,
        }
        for camera in cameras[:2000]
    ]
