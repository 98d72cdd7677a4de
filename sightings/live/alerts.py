"""Live alerts: group names, the alert stream, event payloads and the one helper that sends to groups.

Every stored sighting gets a position in one national alert stream right after it commits
(`sightings_announce_stored`, from the process that stored it; `sightings_announce` for the sweep of hits never
announced), and is then sent to the officers' groups and to its camera's municipality group.
Positions are handed out under a lock, in commit order, so a reader that has seen position N has also
been able to see every position below N: replay is "everything visible after N" (docs/ALERTS.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from redis.exceptions import LockError, RedisError

from accounts.models import User
from sightings.permissions import AlertAccess, alert_access_for
from wassweb.redis_client import redis_client

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from sightings.models import Sighting

# Event types on the channel layer; each has one handler in sightings.live.consumers.AlertConsumer.
SIGHTING_ALERT = "sighting.alert"  # a new hit, carries its stream position
SIGHTING_UPDATE = "sighting.update"  # a hit was verified, acknowledged, a unit dispatched or the unit reported
FOOTAGE_UPDATE = "footage.update"  # a footage request changed (sent by the footage services)
LIVE_VIEW_UPDATE = "live_view.update"  # a live view was requested, decided or ended (sent by the live-view services)
ACCESS_CHANGED = "access.changed"  # the person was saved: their sockets re-check what they may receive

# pg_advisory_xact_lock key that serialises position hand-out ("wassweb alerts" in ASCII, truncated).
_STREAM_LOCK_KEY = 0x7761737377656261


# Officers see the national feed, all through one group. Its members are not sockets but each web process's
# local fan-out (sightings.live.consumers), so the group stays as small as the number of web processes however many
# officers are connected, and a hit costs one channel-layer delivery per process.
OFFICERS_GROUP = "alerts.officers"


def municipality_group(code: str) -> str:
    return f"alerts.municipality.{code}"


def user_group(user_id: Any) -> str:
    """One person's own events (e.g. the decision on their footage request), on every device they use."""
    return f"alerts.user.{user_id}"


def groups_for_access(access: AlertAccess) -> list[str]:
    """The groups a live-alert socket joins: the officers' feed or the own municipality, and the own group."""
    if access.role == User.Role.OFFICER:
        return [OFFICERS_GROUP, user_group(access.user_id)]
    return [municipality_group(access.municipality_code or ""), user_group(access.user_id)]


def groups_for_user(user: Any) -> list[str]:
    """The alert groups a person may join (none for anonymous people and auditors)."""
    access = alert_access_for(user)
    return groups_for_access(access) if access else []


async def _send_all(sends: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Sends to the groups concurrently while keeping each group's messages in the order given."""
    layer = get_channel_layer()
    per_group: dict[str, list[dict[str, Any]]] = {}
    for group, message in sends:
        per_group.setdefault(group, []).append(message)

    async def to_group(name: str, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            # The group travels with the message: a process's local fan-out routes on it.
            await layer.group_send(name, {**message, "group": name})

    await asyncio.gather(*(to_group(name, messages) for name, messages in per_group.items()))


class _SenderLoop:
    """One long-lived event loop thread per process for sending to a Redis channel layer.

    async_to_sync from plain synchronous code (a Celery worker) runs each call in a fresh event loop, and
    channels-redis keeps its connection pool per loop: every hit would open new Redis connections and leave
    the old pool behind. Sends from here reuse one loop and one pool.
    """

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.pid: int | None = None
        self.lock = threading.Lock()

    def run(self, coroutine: Any) -> None:
        with self.lock:
            if self.loop is None or self.pid != os.getpid():  # a forked worker needs its own thread
                self.loop = asyncio.new_event_loop()
                self.pid = os.getpid()
                threading.Thread(target=self.loop.run_forever, name="channel-layer-sender", daemon=True).start()
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)


_sender = _SenderLoop()


def _in_event_loop_thread() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def send_to_groups(sends: Sequence[tuple]) -> None:
    """Sends (group, event_type, payload[, extra event keys]) in one trip to the channel layer. Call after commit."""
    if not sends:
        return
    messages = [
        (send[0], {"type": send[1], "payload": send[2], **(send[3] if len(send) > 3 else {})}) for send in sends
    ]
    layer = get_channel_layer()
    # The in-memory layer lives in the loop of its one process (the demo, the tests): go through asgiref there.
    if type(layer).__name__ == "RedisChannelLayer" and not _in_event_loop_thread():
        _sender.run(_send_all(messages))
    else:
        async_to_sync(_send_all)(messages)


def send_to_group(group: str, event_type: str, payload: dict[str, Any]) -> None:
    """The one way an event reaches a group of sockets. Call after commit."""
    send_to_groups([(group, event_type, payload)])


# ---------------------------------------------------------------------------------------------------------
# Payloads
# ---------------------------------------------------------------------------------------------------------


def plate_comparison(read: str, wanted: str) -> list[dict[str, Any]]:
    """The plate as read beside the wanted plate, character by character; `*` in a pattern matches anything.

    Plates of different length (a 3-digit class read as 2 digits, a region prefix) are aligned from the
    right, where the serial number sits, so the look-alike characters line up.
    """
    width = max(len(read), len(wanted))
    read_padded, wanted_padded = read.rjust(width), wanted.rjust(width)
    return [
        {"read": r.strip(), "wanted": w.strip(), "differs": not (w == "*" or r == w)}
        for r, w in zip(read_padded, wanted_padded, strict=True)
    ]


def _user_label(user: Any) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.username


def sighting_state(sighting: Sighting) -> dict[str, Any]:
    """The part of a hit that people change: verification, acknowledgement, dispatch."""
    return {
        "verification": sighting.verification,
        "verified_by": _user_label(sighting.verified_by),
        "verified_at": sighting.verified_at.isoformat() if sighting.verified_at else None,
        "acknowledged_by": _user_label(sighting.acknowledged_by),
        "acknowledged_at": sighting.acknowledged_at.isoformat() if sighting.acknowledged_at else None,
        "dispatched_unit": sighting.dispatched_unit or None,
        "dispatched_by": _user_label(sighting.dispatched_by),
        "dispatched_at": sighting.dispatched_at.isoformat() if sighting.dispatched_at else None,
        # The unit's last report on the hit (assigned, en route, on scene, lost contact, arrested).
        "dispatch_status": sighting.dispatch_status or None,
        "dispatch_status_at": sighting.dispatch_status_at.isoformat() if sighting.dispatch_status_at else None,
    }


def sighting_payload(sighting: Sighting) -> dict[str, Any]:
    """What a dashboard needs to show a hit. Needs order, camera__municipality and the three people joined."""
    order, camera = sighting.order, sighting.camera
    wanted = order.plate or order.pattern
    return {
        "type": "sighting",
        "id": str(sighting.id),
        "seq": sighting.stream_position,
        "read": str(sighting.read_id),
        "order": str(sighting.order_id),
        # The issuing agency: only its officers may ask for footage about the hit.
        "agency": str(order.agency_id),
        "wanted": wanted,
        "crime": order.crime,
        "crime_label": str(order.get_crime_display()),
        "priority": order.priority,
        "case_number": order.case_number,
        "vehicle": order.vehicle,
        "plate": sighting.plate,
        "comparison": plate_comparison(sighting.plate, wanted),
        "match_kind": sighting.match_kind,
        "score": sighting.score,
        "confidence": sighting.confidence,
        "retrospective": sighting.retrospective,
        "camera": camera.code,
        "camera_name": camera.name,
        "municipality": camera.municipality.code,
        "municipality_name": str(camera.municipality.name),
        "lat": camera.lat,
        "lon": camera.lon,
        "seen_at": sighting.seen_at.isoformat(),
        "received_at": sighting.received_at.isoformat(),
        "has_plate_image": bool(sighting.plate_image),
        "has_vehicle_image": bool(sighting.vehicle_image),
        **sighting_state(sighting),
    }


def sighting_update_payload(sighting: Sighting) -> dict[str, Any]:
    return {
        "type": "sighting.update",
        "id": str(sighting.id),
        "order": str(sighting.order_id),
        "municipality": sighting.camera.municipality.code,
        **sighting_state(sighting),
    }


# ---------------------------------------------------------------------------------------------------------
# The stream
# ---------------------------------------------------------------------------------------------------------


def _lock_stream() -> None:
    # SQLite takes the database write lock when the transaction begins (transaction_mode IMMEDIATE).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_STREAM_LOCK_KEY])


def sightings_assign_positions(*, sighting_ids: Iterable[UUID]) -> dict[UUID, int]:
    """Gives committed sightings without one the next stream positions, in the order they were received.

    Returns the positions handed out now (sightings that already had one are left out). The lock is held until
    commit, so positions become visible in increasing order and with no hole that a later commit could still fill.
    """
    ids = list(sighting_ids)
    if not ids:
        return {}
    with transaction.atomic():
        _lock_stream()
        if connection.vendor == "postgresql":
            return _positions_hand_out_postgresql(ids)
        return _positions_hand_out(ids)


def _positions_hand_out_postgresql(ids: list[UUID]) -> dict[UUID, int]:
    """One statement after the lock: on a hit's way to the officers, each round trip to the database counts.

    The head is read by this statement, which starts after the lock is held: its snapshot includes the
    positions of the lock's previous holder, which committed before releasing it.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH pending AS (
                SELECT id, row_number() OVER (ORDER BY received_at, id) AS offset_in_batch
                FROM sightings_sighting WHERE id = ANY(%s::uuid[]) AND stream_position IS NULL
            ), head AS (SELECT coalesce(max(stream_position), 0) AS last FROM sightings_sighting)
            UPDATE sightings_sighting AS sighting SET stream_position = head.last + pending.offset_in_batch
            FROM pending, head WHERE sighting.id = pending.id
            RETURNING sighting.id, sighting.stream_position
            """,
            [[str(sighting_id) for sighting_id in ids]],
        )
        return {UUID(str(sighting_id)): position for sighting_id, position in cursor.fetchall()}


def _positions_hand_out(ids: list[UUID]) -> dict[UUID, int]:
    from sightings.models import Sighting

    pending = list(
        Sighting.objects.filter(id__in=ids, stream_position__isnull=True)
        .order_by("received_at", "id")
        .values_list("id", flat=True)
    )
    if not pending:
        return {}
    last = Sighting.objects.aggregate(last=Max("stream_position"))["last"] or 0
    positions = {sighting_id: last + offset for offset, sighting_id in enumerate(pending, start=1)}
    for sighting_id, position in positions.items():
        Sighting.objects.filter(id=sighting_id).update(stream_position=position)
    return positions


def stream_head() -> int:
    """The highest position handed out so far (0 for an empty stream)."""
    from sightings.models import Sighting

    return Sighting.objects.aggregate(last=Max("stream_position"))["last"] or 0


def _with_payload_relations(queryset):
    return queryset.select_related("order", "camera__municipality", "verified_by", "acknowledged_by", "dispatched_by")


_announce_lock = threading.Lock()
ANNOUNCE_LOCK_KEY = "wassweb:alerts:announce"
# Longer than any announcement takes; a holder that died frees the lock after this long.
ANNOUNCE_LOCK_SECONDS = 10


@contextmanager
def _announcing_in_stream_order() -> Iterator[None]:
    """One announcer at a time, from its positions to its sends, across threads and worker processes.

    Sockets then receive hits in position order: a socket that sees a hit above the next position takes it
    for a gap and reads the database to fill it, so two workers sending out of order would make every
    connected socket query the database at once, just when the load is highest. The lock is in Redis, not
    a PostgreSQL session lock, because a transaction-mode connection pooler may hand the unlock to another
    server connection. If it cannot be had in time, the announcement goes out anyway: order is then only
    best effort, and sockets fill a gap from the database.
    """
    with _announce_lock:
        if not settings.REDIS_URL:  # one process (the demo, SQLite tests): the thread lock is enough
            yield
            return
        # redis-py polls for a held lock; its default 100 ms between tries would be most of an alert's latency.
        lock = redis_client(settings.REDIS_URL).lock(
            ANNOUNCE_LOCK_KEY, timeout=ANNOUNCE_LOCK_SECONDS, blocking_timeout=ANNOUNCE_LOCK_SECONDS, sleep=0.002
        )
        try:
            acquired = lock.acquire()
        except RedisError as error:  # Redis is down: the sends will say so; the stream itself is in PostgreSQL
            logger.warning("announcing without the order lock: %s", error)
            acquired = False
        else:
            if not acquired:
                logger.warning("announcing without the order lock after waiting %s s", ANNOUNCE_LOCK_SECONDS)
        try:
            yield
        finally:
            if acquired:
                try:
                    lock.release()
                except (LockError, RedisError):
                    pass  # it expired meanwhile (and may be another announcer's), or Redis went away


def sightings_announce(sighting_ids: Iterable[UUID]) -> None:
    """Puts stored sightings in the alert stream and pushes them live. Call after the sightings commit.

    Reads the sightings again: for hits stored by another process (the sweep of hits never announced) and
    hits that already have a position. A process announcing what it has just stored uses
    sightings_announce_stored instead.
    """
    ids = list(sighting_ids)
    if not ids:
        return
    with _announcing_in_stream_order():
        _announce(ids)


def _announce(ids: list[UUID]) -> None:
    from sightings.models import Sighting

    sightings_assign_positions(sighting_ids=ids)
    sightings = _with_payload_relations(Sighting.objects.filter(id__in=ids)).order_by("stream_position")
    _alerts_send(list(sightings))


def sightings_announce_stored(sightings: Sequence[Sighting]) -> None:
    """Puts sightings this process has just stored in the stream and pushes them live. Call after they commit.

    The sightings must have their order and camera (with its municipality) attached, as the storing transaction
    read them; the payload is built from them rather than read back, so an alert costs the position hand-out
    and the sends only. A sighting that already has a position was put in the stream, and announced, by the
    sweep of hits never announced (sightings_announce_pending), and is not announced twice.
    """
    if not sightings:
        return
    with _announcing_in_stream_order():
        positions = sightings_assign_positions(sighting_ids=[sighting.id for sighting in sightings])
        announced = []
        for sighting in sightings:
            if sighting.id in positions:
                sighting.stream_position = positions[sighting.id]
                announced.append(_as_read_back(sighting))
        announced.sort(key=lambda sighting: sighting.stream_position)
        _alerts_send(announced)


def _as_read_back(sighting: Sighting) -> Sighting:
    """The sighting with its values as the database gives them back, so its payload is the one a re-read builds."""
    for name in ("seen_at", "received_at"):
        value = getattr(sighting, name)
        if value is not None and value.tzinfo is not None:
            setattr(sighting, name, value.astimezone(dt.UTC))
    if not isinstance(sighting.read_id, UUID):
        sighting.read_id = UUID(str(sighting.read_id))
    return sighting


def _alerts_send(sightings: Sequence[Sighting]) -> None:
    """Sends sightings with positions, in position order, to the officers and to their camera's municipality."""
    sends: list[tuple[str, str, dict[str, Any]]] = []
    for sighting in sightings:
        payload = sighting_payload(sighting)
        # The order was just read: sockets may take that as their per-message check for the next moment.
        checked = {"order_active": sighting.order.is_active, "checked_at": time.time()}
        if sighting.order.is_active:
            sends.append((OFFICERS_GROUP, SIGHTING_ALERT, payload, checked))
        sends.append((municipality_group(sighting.camera.municipality.code), SIGHTING_ALERT, payload, checked))
    send_to_groups(sends)


def sightings_announce_pending(*, older_than_seconds: int = 5) -> int:
    """Announces sightings that committed but never reached the stream (a worker died in between)."""
    from django.utils import timezone

    from sightings.models import Sighting

    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    ids = list(
        Sighting.objects.filter(stream_position__isnull=True, received_at__lt=cutoff).values_list("id", flat=True)[
            :1000
        ]
    )
    sightings_announce(ids)
    return len(ids)


def sighting_update_announce(sighting_id: UUID) -> None:
    """Tells every dashboard that may see the hit what changed on it. Call after commit."""
    from sightings.models import Sighting

    sighting = _with_payload_relations(Sighting.objects.filter(id=sighting_id)).first()
    if sighting is None:
        return
    payload = sighting_update_payload(sighting)
    send_to_groups(
        [
            (OFFICERS_GROUP, SIGHTING_UPDATE, payload),
            (municipality_group(sighting.camera.municipality.code), SIGHTING_UPDATE, payload),
        ]
    )
