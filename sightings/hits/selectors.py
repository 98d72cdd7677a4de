"""Reads of hits (sightings) for the live feed, the dashboards and the sightings API."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields.tuple_lookups import TupleGreaterThan, TupleLessThan
from django.utils import timezone

from sightings import permissions
from sightings.live import alerts
from sightings.models import Camera, Sighting, WantedOrder

# The dashboards open with the latest hits and the trails of the orders they belong to: each trail its latest
# sightings of the last 24 hours.
DASHBOARD_HITS = 50
DASHBOARD_TRAIL_POINTS = 100


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


@dataclass(frozen=True)
class FeedPosition:
    """A hit's place in the feed's order, newest received first: where a page of the sightings API starts."""

    received_at: dt.datetime
    id: uuid.UUID


def sightings_page(
    *,
    user: Any,
    limit: int,
    order_id: uuid.UUID | None = None,
    since: dt.datetime | None = None,
    after: FeedPosition | None = None,
    older: bool = True,
) -> list[Sighting]:
    """Up to `limit` hits a person may see beyond `after`: the older ones newest first or (older=False, a page back
    towards the newest) the newer ones oldest first. Filtered in SQL (never in Python) and bounded.

    An order's hits are read through the order's own index and an operator's through their cameras' (see
    _looking_through): the feed newest first, filtered, would read every later hit of the country to reach an
    order's old hits or a quiet municipality's.
    """
    wanted = Sighting.objects.all()
    if since is not None:
        wanted = wanted.filter(seen_at__gte=since)
    if after is not None:
        beyond = TupleLessThan if older else TupleGreaterThan
        wanted = wanted.filter(beyond(("received_at", "id"), (after.received_at, after.id)))
    hits = permissions.sightings_visible(user, wanted)
    ordering = ("-received_at", "-id") if older else ("received_at", "id")
    if order_id is not None:
        # The order is the one read, not a condition on the hits: a condition is what lets the planner expect
        # the order's hits among the newest of the country. An operator sees only some of an order's hits.
        order = WantedOrder.objects.filter(pk=order_id)
        own = hits if user.is_operator else wanted
        hits = _looking_through(hits, order, "order_id", own, ordering, limit)
    elif user.is_operator:
        hits = _looking_through(hits, _cameras_of(user), "camera_id", wanted, ordering, limit)
    return list(sightings_with_relations(hits).order_by(*ordering)[:limit])


def sighting_get_visible(*, user: Any, sighting_id: uuid.UUID) -> Sighting | None:
    queryset = permissions.sightings_visible(user, Sighting.objects.filter(pk=sighting_id))
    return sightings_with_relations(queryset).first()


def dashboard_hits(*, user: Any) -> list[dict[str, Any]]:
    """The latest hits for a dashboard's first paint, as the same payloads the socket sends."""
    hits = permissions.alerts_visible(user, Sighting.objects.all())
    ordering = ("-received_at", "-id")
    if user.is_operator:
        hits = _looking_through(hits, _cameras_of(user), "camera_id", Sighting.objects.all(), ordering, DASHBOARD_HITS)
    else:
        # An officer's feed is the active orders' hits: read order by order, never past the closed orders' hits.
        active = WantedOrder.objects.active()
        hits = _looking_through(hits, active, "order_id", Sighting.objects.all(), ordering, DASHBOARD_HITS)
    latest = sightings_with_relations(hits).order_by(*ordering)[:DASHBOARD_HITS]
    return [alerts.sighting_payload(sighting) for sighting in latest]


def dashboard_trails(*, user: Any, order_ids: list[str]) -> dict[str, list[list[float]]]:
    """Each order's trail as [lat, lon] points in the order the vehicle was seen: its latest sightings of the last
    24 hours (at most DASHBOARD_TRAIL_POINTS), repeats at one camera drawn once."""
    if not order_ids:
        return {}
    recent = Sighting.objects.filter(seen_at__gte=timezone.now() - dt.timedelta(hours=24))
    hits = permissions.alerts_visible(user, recent.filter(order_id__in=order_ids))
    ordering = ("-seen_at", "-id")
    if connection.vendor == "postgresql":
        # Each order's latest points through its own index (sightings_sight_order_trail); an operator's are
        # those of their cameras.
        own = permissions.alerts_visible(user, recent) if user.is_operator else recent
        orders = WantedOrder.objects.filter(pk__in=order_ids)
        latest_first = ("-seen_at",)  # the index's own order: each read stops after its points
        points = _ids(_each_drivers_first(orders, "order_id", own, latest_first, DASHBOARD_TRAIL_POINTS))
        hits = hits.filter(id__in=_ids_read(points))
    rows = hits.order_by("order_id", *ordering).values_list("order_id", "camera_id", "camera__lat", "camera__lon")
    latest: dict[str, list[tuple[Any, float, float]]] = {}
    for order_id, camera_id, lat, lon in rows:
        points = latest.setdefault(str(order_id), [])
        if len(points) < DASHBOARD_TRAIL_POINTS:
            points.append((camera_id, lat, lon))
    trails: dict[str, list[list[float]]] = {}
    for order_id, points in latest.items():
        trail = trails[order_id] = []
        previous = None
        for camera_id, lat, lon in reversed(points):
            if camera_id != previous:
                trail.append([lat, lon])
            previous = camera_id
    return trails


# -- where to look ---------------------------------------------------------------------------------------------


def _cameras_of(user: Any) -> QuerySet[Camera]:
    return Camera.objects.filter(municipality_id=user.municipality_id)


def _looking_through(
    hits: QuerySet[Sighting],
    drivers: QuerySet,
    link: str,
    own: QuerySet[Sighting],
    ordering: tuple[str, ...],
    limit: int,
) -> QuerySet[Sighting]:
    """`hits` narrowed to where their first `limit` in `ordering` are: each driver's (an order's, a camera's) first
    of its `own` hits, read through the index on (link, ordering). `own` holds the conditions of `hits` a driver
    does not settle by itself (a driver that the access rule admits or refuses whole needs no rule in `own`);
    `hits` keeps all of its own.

    Read newest first and filtered, the whole feed is the plan PostgreSQL takes for "the newest hits of this order"
    or "of these cameras" when it expects them spread evenly in time; an order seen months ago or a quiet
    municipality then costs a read of everything received since (seconds at a year of data).
    """
    if connection.vendor != "postgresql":
        return hits.filter(**{f"{link}__in": drivers.values("pk")})
    return hits.filter(id__in=_ids_read(_where_to_look(drivers, link, own, ordering=ordering, limit=limit)))


def _where_to_look(
    drivers: QuerySet, link: str, hits: QuerySet[Sighting], *, ordering: tuple[str, ...], limit: int
) -> RawSQL:
    """Ids of the first `limit` of `hits` in `ordering`, in two short index reads per driver.

    Each driver's first hit ranks the drivers; the first `limit` hits all belong to the first `limit` drivers
    ranked so (a driver ranked lower comes after `limit` other drivers' first hits), and are among those drivers'
    own first `limit`. The work is one probe per driver and at most limit² index entries, whatever the volume.
    """
    ranked = _ids(_each_drivers_first(drivers, link, hits, ordering, 1), "driver", ordering=ordering, limit=limit)
    return _ids(_each_drivers_first(ranked, link, hits, ordering, limit), ordering=ordering, limit=limit)


def _each_drivers_first(
    drivers: QuerySet | RawSQL, link: str, hits: QuerySet[Sighting], ordering: tuple[str, ...], count: int
) -> RawSQL:
    """Each driver's own first `count` of `hits` in `ordering`: rows of (driver, the ordering's columns).

    A lateral read per driver in the order of the index on (link, ordering), which only that index gives: the
    driver is named with `= ANY`, not `=`, because an equality makes the order by driver redundant, and then the
    feed's own index (received_at) reads the same order too, filtered; PostgreSQL takes it when it expects a
    driver's hits spread evenly in time, and reads the whole feed since a driver's last hit.
    """
    if not isinstance(drivers, RawSQL):
        drivers = _composed(*drivers.order_by().values("id").query.sql_with_params())
    table = hits.model._meta.db_table
    named = RawSQL(f'"{table}"."{link}" = ANY(ARRAY["driver"."id"])', (), output_field=BooleanField())  # noqa: S611
    # The indexes run (link, time descending): read forwards for the newest first, backwards for the oldest.
    by_driver = link if ordering[0].startswith("-") else f"-{link}"
    own = hits.filter(named).order_by(by_driver, *ordering)
    columns = dict.fromkeys([*(name.lstrip("-") for name in ordering), "id"])
    own_sql, own_params = own.values(*columns)[:count].query.sql_with_params()
    return _composed(
        f'SELECT "driver"."id" AS driver, hit.* FROM ({drivers.sql}) "driver" CROSS JOIN LATERAL ({own_sql}) hit',  # noqa: S608
        (*drivers.params, *own_params),
    )


def _ids(rows: RawSQL, column: str = "id", *, ordering: tuple[str, ...] = (), limit: int | None = None) -> RawSQL:
    """One column of `rows` (an id), or of the first `limit` of them in `ordering`."""
    if limit is None:
        return _composed(f"SELECT {column} FROM ({rows.sql}) rows_", rows.params)  # noqa: S608
    order = ", ".join(f"{name.lstrip('-')} {'DESC' if name.startswith('-') else 'ASC'}" for name in ordering)
    return _composed(f"SELECT {column} AS id FROM ({rows.sql}) rows_ ORDER BY {order} LIMIT %s", (*rows.params, limit))  # noqa: S608


def _ids_read(ids: RawSQL) -> list[uuid.UUID]:
    """The ids, read on their own: the hits are then fetched by id. Given as a subquery instead, beside the page's
    other conditions (an order's, the access rule's), PostgreSQL may read every hit those name and keep the
    ids' few, whenever it expects that to be cheaper."""
    with connection.cursor() as cursor:
        cursor.execute(ids.sql, ids.params)
        return [row[0] for row in cursor.fetchall()]


def _composed(sql: str, params: Any) -> RawSQL:
    # Made only of SQL that Django compiled and fixed text of this module; every value is a parameter.
    return RawSQL(sql, params)  # noqa: S611


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
