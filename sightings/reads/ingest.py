"""The worker side of plate reads: match a batch against the hotlist, store the hits, forget the rest.

Runs in the Celery worker (`sightings.tasks.reads_match_task`, one task per batch). The hotlist is compiled
in memory from the active orders and recompiled only when an order changes: every change of an order
writes an OrderEvent, so the highest event id is the hotlist's version, checked once per batch.
Reads that match nothing leave no trace: no row, no file, no log line with the plate (docs/INGEST.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sightings.hits.delivery import sightings_deliver
from sightings.models import OrderEvent, Sighting, WantedOrder
from sightings.plates import PlateError
from sightings.reads.lookback import lookback_record
from sightings.reads.matching import Hit, Hotlist, OrderSpec
from sightings.reads.parse import Read, image_decode, seen_at_parse
from sightings.tasks import READS_RETRYABLE_ERRORS
from wassweb.counters import READS_FAILED, counter_add

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CompiledHotlist:
    hotlist: Hotlist
    expires_at: dict[str, dt.datetime]  # order id -> expiry, to drop hits of orders expired since compiling


_compiled: CompiledHotlist | None = None
_compile_lock = threading.Lock()


def hotlist_version() -> int | None:
    """The id of the latest order event: it changes whenever any order is created, renewed or closed."""
    return OrderEvent.objects.aggregate(version=Max("id"))["version"]


def hotlist_compile(*, version: int | None) -> CompiledHotlist:
    """A hotlist of the orders active now."""
    specs, expires_at = [], {}
    rows = WantedOrder.objects.active().values_list("id", "plate", "pattern", "expires_at")
    for order_id, plate, pattern, expiry in rows:
        key = str(order_id)
        try:
            specs.append(OrderSpec(key, plate=plate or None, pattern=None if plate else pattern))
        except (PlateError, ValueError):
            logger.error("order %s has no valid plate or pattern and is not searched for", key)
            continue
        expires_at[key] = expiry
    return CompiledHotlist(Hotlist.compile(specs, version=version, misread_tolerance=True), expires_at)


def hotlist_current() -> CompiledHotlist:
    """The hotlist for the orders as they are now, recompiled only when the version moved."""
    global _compiled
    version = hotlist_version()
    compiled = _compiled
    if compiled is not None and compiled.hotlist.version == version:
        return compiled
    with _compile_lock:
        if _compiled is None or _compiled.hotlist.version != version:
            _compiled = hotlist_compile(version=version)
            logger.info("hotlist compiled: version %s, %d orders", version, len(_compiled.hotlist))
        return _compiled


def hotlist_forget() -> None:
    """Drops the compiled hotlist, so the next batch compiles afresh (tests; a database restored under us)."""
    global _compiled
    with _compile_lock:
        _compiled = None


@dataclass(frozen=True, slots=True)
class BatchResult:
    reads: int
    hits: int
    sightings_created: int
    failed: int = 0  # reads dropped for a reason retrying cannot fix


def reads_match(*, municipality_id: int, received_at: dt.datetime, reads: Sequence[Read]) -> BatchResult:
    """Matches one batch: stores a sighting per (read, order) hit and lets every other read go.

    The batch is stored in one go. Should that fail for a reason retrying cannot fix (a value one read carries
    that the ledger or the database refuses), the batch is stored again read by read, so the one read is
    dropped with a trace (a log line without the plate, the READS_FAILED counter) and the others are kept.
    Errors retrying can fix (the database away) fail the whole batch, which the task then retries.
    """
    compiled = hotlist_current()
    match, expires_at = compiled.hotlist.match, compiled.expires_at
    now = timezone.now()
    hits: list[tuple[Read, list[Hit]]] = []
    unmatched: list[Read] = []
    for read in reads:
        found = match(read.plate)
        if found:
            # An order that expired after the hotlist was compiled must not match any more.
            live = [hit for hit in found if expires_at.get(hit.order_id, now) > now]
            if live:
                hits.append((read, live))
                continue
        unmatched.append(read)
    failed = 0
    try:
        created = hits_store(received_at=received_at, hits=hits) if hits else []
    except READS_RETRYABLE_ERRORS:
        raise
    except Exception:  # noqa: BLE001 - which read caused it is found below, one read at a time
        created = []
        for read, found in hits:
            stored = _read_isolated(
                read, lambda read=read, found=found: hits_store(received_at=received_at, hits=[(read, found)])
            )
            failed += stored is None
            created += stored or []
    try:
        unmatched_reads_forget(municipality_id=municipality_id, reads=unmatched)
    except READS_RETRYABLE_ERRORS:
        raise
    except Exception:  # noqa: BLE001 - as above
        for read in unmatched:
            kept = _read_isolated(
                read, lambda read=read: unmatched_reads_forget(municipality_id=municipality_id, reads=[read])
            )
            failed += kept is None
    return BatchResult(
        reads=len(reads), hits=sum(len(found) for _, found in hits), sightings_created=len(created), failed=failed
    )


def _read_isolated(read: Read, store: Callable[[], T]) -> T | None:
    """What store() returns for one read, or None when it fails for good: logged (no plate) and counted."""
    try:
        return store()
    except READS_RETRYABLE_ERRORS:
        raise
    except Exception as error:  # noqa: BLE001 - one read's failure must not cost the batch
        # The read id and the error's class only: an error's text may quote the plate.
        logger.error("read %s was not stored: %s; the rest of its batch was", read.read_id, type(error).__name__)
        counter_add(READS_FAILED)
        return None


def hits_store(*, received_at: dt.datetime, hits: Sequence[tuple[Read, Sequence[Hit]]]) -> list[Sighting]:
    """One sighting per (read, order), once: a batch delivered twice creates nothing the second time.

    Returns the sightings created now; only those get their photos saved and are announced after commit.
    Photos saved before a failure are removed again, so a rolled-back batch leaves no file behind.
    """
    saved_files: list[tuple[Storage, str]] = []
    try:
        return _hits_store(received_at=received_at, hits=hits, saved_files=saved_files)
    except BaseException:
        for storage, name in saved_files:
            storage.delete(name)
        raise


@transaction.atomic
def _hits_store(
    *,
    received_at: dt.datetime,
    hits: Sequence[tuple[Read, Sequence[Hit]]],
    saved_files: list[tuple[Storage, str]],
) -> list[Sighting]:
    candidates = []
    for read, found in hits:
        seen_at = seen_at_parse(read.seen_at)
        for hit in found:
            candidates.append(
                (
                    read,
                    Sighting(
                        id=uuid.uuid4(),
                        order_id=hit.order_id,
                        camera_id=read.camera_id,
                        read_id=read.read_id,
                        plate=read.plate,
                        match_kind=hit.kind.value,
                        score=hit.score,
                        confidence=read.confidence,
                        seen_at=seen_at,
                        received_at=received_at,
                    ),
                )
            )
    # The unique (read_id, camera, order) constraint makes a redelivered batch a no-op; what is new is what got
    # our ids.
    Sighting.objects.bulk_create([sighting for _, sighting in candidates], ignore_conflicts=True)
    created = _inserted(candidates)
    photo_hashes = _photos_save(created, saved_files)
    sightings = [sighting for _, sighting in created]
    if photo_hashes:
        Sighting.objects.bulk_update(
            [sighting for sighting in sightings if sighting.id in photo_hashes], ["plate_image", "vehicle_image"]
        )
    sightings_deliver(sightings=sightings, file_hashes=photo_hashes)
    return sightings


def _inserted(candidates: Sequence[tuple[Read, Sighting]]) -> list[tuple[Read, Sighting]]:
    """The candidates whose rows were written by this transaction (the others hit the unique constraint)."""
    ids = set(Sighting.objects.filter(id__in=[sighting.id for _, sighting in candidates]).values_list("id", flat=True))
    return [(read, sighting) for read, sighting in candidates if sighting.id in ids]


def _photos_save(
    created: Sequence[tuple[Read, Sighting]], saved_files: list[tuple[Storage, str]]
) -> dict[uuid.UUID, list[tuple[str, str]]]:
    """Saves the photos of new sightings; returns (file name, SHA-256) per sighting, as the ledger records them."""
    photo_hashes: dict[uuid.UUID, list[tuple[str, str]]] = {}
    for read, sighting in created:
        for field_name, data_b64 in (("plate_image", read.plate_image), ("vehicle_image", read.vehicle_image)):
            if not data_b64:
                continue
            data = image_decode(data_b64)
            field = sighting._meta.get_field(field_name)
            name = field.storage.save(field.generate_filename(sighting, f"{field_name}.jpg"), ContentFile(data))
            saved_files.append((field.storage, name))
            getattr(sighting, field_name).name = name
            photo_hashes.setdefault(sighting.id, []).append((name, hashlib.sha256(data).hexdigest()))
    return photo_hashes


def unmatched_reads_forget(*, municipality_id: int, reads: Sequence[Read]) -> int:
    """The one place reads that matched nothing are dropped: nothing of them is stored, logged or kept.

    A municipality that opted into the look-back buffer keeps keyed hashes of them here, and only here.
    """
    return lookback_record(municipality_id=municipality_id, reads=reads)
