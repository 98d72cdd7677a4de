"""The opt-in look-back buffer: unmatched reads kept as keyed hashes, searched when a new order comes in.

A municipality that switches it on (Municipality.lookback_retention_hours > 0) keeps, for each read that
matched nothing, HMAC-SHA256(municipality secret, normalised plate), the camera and the time: never the plate
text, never an image. Without the secret the hash does not give the plate back, and two municipalities'
hashes of one plate differ, so the buffer cannot be used to follow a car that is not wanted. When an officer
issues an order for a full plate, each opted-in municipality's hash of that plate is looked up within its
retention and what is found becomes retrospective sightings.

Purging: each row carries `purge_after` (seen_at + retention). On PostgreSQL the table is partitioned by
hour of `purge_after`; `lookback_maintain` (celery beat) creates the partitions ahead and drops those whose
hour has passed, so a row is gone at most one hour after its retention and is never found after it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sightings.models import LookbackRead, Municipality, Sighting, WantedOrder
from sightings.plates import normalise

logger = logging.getLogger(__name__)

# A policy limit: the buffer exists to catch the hours before an order, not to keep a history of everyone.
MAX_RETENTION_HOURS = 72
PARTITION_SPAN = dt.timedelta(hours=1)
TABLE = LookbackRead._meta.db_table
PARTITION_PREFIX = f"{TABLE}_p"
# Deterministic read ids for retrospective sightings, so a repeated search creates nothing twice.
RETROSPECTIVE_READ_NAMESPACE = uuid.UUID("5d0b8f4e-3f7a-4c0e-9a57-0c4b1f1d7a21")

# Partition start hours this process knows to exist; a cache, so inserts do not ask the catalogue each time.
_known_partitions: set[dt.datetime] = set()


class ReadLike(Protocol):
    """What the buffer needs of a read (sightings.reads.parse.Read has it): seen_at aware, or ISO 8601 with offset."""

    camera_id: uuid.UUID | str
    plate: str
    seen_at: dt.datetime | str


@dataclass(frozen=True, slots=True)
class UnmatchedRead:
    camera_id: uuid.UUID | str
    plate: str  # as read; normalised here
    seen_at: dt.datetime | str


def plate_key(secret: bytes, plate: str) -> bytes:
    """The keyed hash stored instead of the plate: HMAC-SHA256 with the municipality's secret."""
    return hmac.new(bytes(secret), normalise(plate).encode(), hashlib.sha256).digest()


def lookback_record(*, municipality_id: int, reads: Iterable[ReadLike], now: dt.datetime | None = None) -> int:
    """Keeps the municipality's unmatched reads as keyed hashes when its buffer is on; returns how many were kept.

    Called by the ingest worker once per batch with the reads that matched no order. Costs one small query
    when the buffer is off.
    """
    setting = (
        Municipality.objects.filter(pk=municipality_id)
        .values_list("lookback_retention_hours", "lookback_secret")
        .first()
    )
    if setting is None or not setting[0]:
        return 0
    retention = dt.timedelta(hours=min(setting[0], MAX_RETENTION_HOURS))
    secret = bytes(setting[1])
    now = now or timezone.now()
    cutoff = now - retention
    rows = []
    for read in reads:
        seen_at = read.seen_at if isinstance(read.seen_at, dt.datetime) else dt.datetime.fromisoformat(read.seen_at)
        if seen_at <= cutoff:
            continue  # already past retention: nothing to keep
        # A clock running ahead must not stretch the retention: count from now at the latest.
        purge_after = min(seen_at, now) + retention
        rows.append((municipality_id, str(read.camera_id), plate_key(secret, read.plate), seen_at, purge_after))
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        starts = {_partition_start(row[4]) for row in rows}
        _partitions_ensure(starts)
        try:
            with transaction.atomic():
                _copy_rows(rows)
        except DatabaseError:
            # A partition this process believed in was dropped or rolled back: look again, once.
            _known_partitions.difference_update(starts)
            _partitions_ensure(starts)
            _copy_rows(rows)
    else:
        LookbackRead.objects.bulk_create(
            LookbackRead(municipality_id=m, camera_id=c, plate_hash=h, seen_at=s, purge_after=p)
            for m, c, h, s, p in rows
        )
    return len(rows)


def lookback_search(*, order: WantedOrder, now: dt.datetime | None = None) -> list[Sighting]:
    """Turns the buffered reads of an exact-plate order's plate into retrospective sightings; returns the new ones.

    The caller (sightings.orders.services.order_lookback_search) delivers them (sightings.hits.delivery).

    Each opted-in municipality's hash of the plate is looked up within that municipality's retention.
    Patterns cannot be searched: only whole plates were hashed.
    """
    if not order.plate or not order.is_active:
        return []
    now = now or timezone.now()
    municipalities = list(
        Municipality.objects.filter(lookback_retention_hours__gt=0).values_list(
            "pk", "lookback_retention_hours", "lookback_secret"
        )
    )
    if not municipalities:
        return []
    cutoff_by_municipality = {
        pk: now - dt.timedelta(hours=min(hours, MAX_RETENTION_HOURS)) for pk, hours, _secret in municipalities
    }
    keys = [plate_key(bytes(secret), order.plate) for _pk, _hours, secret in municipalities]
    found = (
        LookbackRead.objects.filter(plate_hash__in=keys, purge_after__gt=now)
        .filter(seen_at__gte=min(cutoff_by_municipality.values()), seen_at__lte=now)
        .values_list("municipality_id", "camera_id", "plate_hash", "seen_at")
    )
    candidates: dict[uuid.UUID, Sighting] = {}
    for municipality_id, camera_id, key, seen_at in found:
        if seen_at < cutoff_by_municipality[municipality_id]:
            continue
        read_id = uuid.uuid5(RETROSPECTIVE_READ_NAMESPACE, f"{camera_id}|{seen_at.isoformat()}|{bytes(key).hex()}")
        candidates[read_id] = Sighting(
            order=order,
            camera_id=camera_id,
            read_id=read_id,
            plate=order.plate,
            match_kind=Sighting.MatchKind.EXACT,
            score=1.0,
            seen_at=seen_at,
            received_at=now,
            retrospective=True,
        )
    if not candidates:
        return []
    existing = set(Sighting.objects.filter(order=order, read_id__in=candidates).values_list("read_id", flat=True))
    new = [sighting for read_id, sighting in candidates.items() if read_id not in existing]
    Sighting.objects.bulk_create(new, ignore_conflicts=True)
    # What got our ids is what this call created (a concurrent search may have won a race for the rest).
    created_ids = set(Sighting.objects.filter(id__in=[s.id for s in new]).values_list("id", flat=True))
    created = [sighting for sighting in new if sighting.id in created_ids]
    return created


@transaction.atomic
def municipality_lookback_configure(*, municipality: Municipality, retention_hours: int, actor: Any) -> Municipality:
    """Switches the buffer on (retention in hours) or off (0). Shortening or switching off forgets at once."""
    if not isinstance(retention_hours, int) or not 0 <= retention_hours <= MAX_RETENTION_HOURS:
        raise ValidationError(
            {
                "lookback_retention_hours": _("Enter a whole number of hours from 0 (off) to %(max)d.")
                % {"max": MAX_RETENTION_HOURS}
            }
        )
    municipality = Municipality.objects.select_for_update().get(pk=municipality.pk)
    previous = municipality.lookback_retention_hours
    municipality.lookback_retention_hours = retention_hours
    fields = ["lookback_retention_hours"]
    rows = LookbackRead.objects.filter(municipality_id=municipality.pk)
    if retention_hours == 0:
        rows.delete()
        # A fresh key makes anything that survived elsewhere (a backup) impossible to match again.
        municipality.lookback_secret = secrets.token_bytes(32)
        fields.append("lookback_secret")
    elif retention_hours < previous:
        now = timezone.now()
        rows.filter(seen_at__lte=now - dt.timedelta(hours=retention_hours)).delete()
    municipality.save(update_fields=fields)
    logger.info(
        "look-back buffer of %s set from %s to %s hours by %s",
        municipality.code,
        previous,
        retention_hours,
        getattr(actor, "username", actor),
    )
    return municipality


def lookback_maintain(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The beat task's work: create the coming partitions and purge what has run out of retention."""
    now = now or timezone.now()
    if connection.vendor != "postgresql":
        deleted, _detail = LookbackRead.objects.filter(purge_after__lte=now).delete()
        return {"created": 0, "dropped": 0, "deleted": deleted}
    first = _partition_start(now)
    wanted = {first + PARTITION_SPAN * i for i in range(MAX_RETENTION_HOURS + 2)}
    created = _partitions_ensure(wanted)
    return {"created": created, "dropped": _partitions_drop_expired(now), "deleted": 0}


def lookback_partitions() -> list[dt.datetime]:
    """Start hours of the existing partitions, oldest first (PostgreSQL only)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname FROM pg_inherits"
            " JOIN pg_class parent ON parent.oid = pg_inherits.inhparent"
            " JOIN pg_class child ON child.oid = pg_inherits.inhrelid"
            " WHERE parent.relname = %s",
            [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    return sorted(_start_from_name(name) for name in names if name.startswith(PARTITION_PREFIX))


def _partition_start(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _partition_name(start: dt.datetime) -> str:
    return f"{PARTITION_PREFIX}{start:%Y%m%d%H}"


def _start_from_name(name: str) -> dt.datetime:
    return dt.datetime.strptime(name[len(PARTITION_PREFIX) :], "%Y%m%d%H").replace(tzinfo=dt.UTC)


def _partitions_ensure(starts: set[dt.datetime]) -> int:
    """Creates the hour partitions that do not exist yet; returns how many were created."""
    missing = starts - _known_partitions
    if not missing:
        return 0
    existing = set(lookback_partitions())
    created = 0
    for start in sorted(missing - existing):
        end = start + PARTITION_SPAN
        # Names and bounds come from datetimes formatted here, never from input; DDL takes no parameters.
        statement = (
            f"CREATE TABLE IF NOT EXISTS {_partition_name(start)} PARTITION OF {TABLE} "  # noqa: S608
            f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
        )
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
            created += 1
        except DatabaseError:
            # Another worker created it at the same moment; anything else shows up on the insert.
            logger.info("look-back partition %s was created concurrently", _partition_name(start))
    # Only once committed: a partition created in a transaction that rolls back is gone again.
    transaction.on_commit(lambda: _known_partitions.update(starts))
    return created


def _partitions_drop_expired(now: dt.datetime) -> int:
    dropped = 0
    for start in lookback_partitions():
        if start + PARTITION_SPAN > now:
            break
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_partition_name(start)}")
        _known_partitions.discard(start)
        dropped += 1
    return dropped


def _copy_rows(rows: list[tuple]) -> None:
    """COPY is several times faster than INSERT for a batch, and this runs on the ingest path."""
    columns = "municipality_id, camera_id, plate_hash, seen_at, purge_after"
    with connection.cursor() as cursor, cursor.copy(f"COPY {TABLE} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
