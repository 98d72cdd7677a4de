"""The matching worker: hits become sightings once, everything else leaves no trace."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from unittest import mock

import pytest
from django.apps import apps
from django.db import OperationalError, models
from django.utils import timezone

from sightings.models import OrderEvent, Sighting, WantedOrder
from sightings.reads.ingest import hotlist_current, reads_match
from sightings.reads.parse import Read, read_check, reads_encode
from sightings.tasks import reads_match_task
from tests.factories import order_make
from tests.sightings.reads.helpers import JPEG, JPEG_B64, a_read


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def checked(camera, **fields) -> Read:
    read = read_check(a_read(camera.code, **fields), cameras={camera.code: str(camera.id)}, now=timezone.now())
    assert isinstance(read, Read), read
    return read


def run(camera, reads: list[Read]) -> None:
    """Runs the task as a worker would, with the arguments the API sends."""
    reads_match_task.run(camera.municipality_id, timezone.now().isoformat(), reads_encode(reads))


def files_under(path) -> list:
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


def test_a_hit_becomes_a_sighting_with_its_photos(camera, order, media):
    read = checked(camera, plate="12가3456", plate_image=JPEG_B64, vehicle_image=JPEG_B64)
    run(camera, [read])
    sighting = Sighting.objects.get()
    assert (sighting.order, sighting.camera, str(sighting.read_id)) == (order, camera, read.read_id)
    assert (sighting.match_kind, sighting.score, sighting.confidence) == ("exact", 1.0, 0.93)
    assert sighting.seen_at == dt.datetime.fromisoformat(read.seen_at)
    assert sighting.plate_image.read() == JPEG and sighting.vehicle_image.name.endswith("vehicle_image.jpg")
    assert len(files_under(media)) == 2


def test_a_hit_creates_exactly_one_sighting_when_the_task_runs_twice(camera, order, media):
    reads = [checked(camera, plate="12가3456", plate_image=JPEG_B64), checked(camera)]
    run(camera, reads)
    run(camera, reads)
    assert Sighting.objects.count() == 1
    assert len(files_under(media)) == 1


def test_the_sighting_is_announced_once_after_commit(camera, order, django_capture_on_commit_callbacks):
    read = checked(camera, plate="12가3456")
    with mock.patch("sightings.hits.delivery.sightings_announce_stored") as announce:
        with django_capture_on_commit_callbacks(execute=True):
            run(camera, [read])
        with django_capture_on_commit_callbacks(execute=True):
            run(camera, [read])
    announce.assert_called_once()
    assert [sighting.id for sighting in announce.call_args.args[0]] == [Sighting.objects.get().id]


def no_row_holds(text: str) -> bool:
    """No text column of any table contains the text."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField) and not field.choices:
                if model._default_manager.filter(**{f"{field.attname}__contains": text}).exists():
                    return False
    return True


def test_a_batch_without_hits_leaves_no_row_no_file_and_no_log_line(camera, order, media, caplog):
    caplog.set_level(logging.DEBUG)
    plates = ["34나5678", "123다4567", "서울45라6789"]
    run(camera, [checked(camera, plate=plate, plate_image=JPEG_B64, vehicle_image=JPEG_B64) for plate in plates])
    assert not Sighting.objects.exists()
    assert files_under(media) == []
    for plate in plates:
        assert no_row_holds(plate)
        assert plate not in caplog.text


def test_the_place_that_forgets_unmatched_reads_gets_exactly_those(camera, order):
    hit, miss = checked(camera, plate="12가3456"), checked(camera, plate="34나5678")
    with mock.patch("sightings.reads.ingest.unmatched_reads_forget") as forget:
        reads_match(municipality_id=camera.municipality_id, received_at=timezone.now(), reads=[hit, miss])
    forget.assert_called_once_with(municipality_id=camera.municipality_id, reads=[miss])


def test_a_new_order_matches_without_restarting_the_worker(camera, officer):
    run(camera, [checked(camera, plate="55마5555")])  # compiles a hotlist without the order
    order = order_make(
        issued_by=officer,
        plate="55마5555",
        crime="murder",
        case_number="2026-TEST-0002",
        expires_in=dt.timedelta(days=1),
    )
    OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.CREATED, actor=officer)
    run(camera, [checked(camera, plate="55마5555")])
    assert Sighting.objects.get().order == order


def test_the_hotlist_is_recompiled_only_when_orders_change(camera, order, django_assert_num_queries):
    first = hotlist_current()
    with django_assert_num_queries(1):  # the version only
        assert hotlist_current() is first
    OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.RENEWED)
    assert hotlist_current() is not first


def test_a_cancelled_order_stops_matching(camera, order, officer):
    run(camera, [checked(camera, plate="12가3456")])
    order.status = WantedOrder.Status.CANCELLED
    order.save(update_fields=["status"])
    OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.CANCELLED, actor=officer)
    run(camera, [checked(camera, plate="12가3456")])
    assert Sighting.objects.count() == 1


def test_an_order_that_expired_since_the_hotlist_was_compiled_stops_matching(camera, order):
    read = checked(camera, plate="12가3456")
    hotlist_current()
    # Time passes beyond the expiry before the expiry job has run: no event, the hotlist is not recompiled.
    later = mock.Mock(now=mock.Mock(return_value=order.expires_at + dt.timedelta(seconds=1)))
    with mock.patch("sightings.reads.ingest.timezone", later):
        run(camera, [read])
    assert not Sighting.objects.exists()


def test_a_possible_misread_is_stored_flagged_as_such(camera, order):
    run(camera, [checked(camera, plate="12거3456")])  # 가/거 do not look alike; 8 for 3 does
    run(camera, [checked(camera, plate="12가8456")])
    sighting = Sighting.objects.get()
    assert (sighting.match_kind, sighting.plate) == ("misread", "12가8456")
    assert sighting.score < 1


def test_a_partial_plate_order_matches_by_pattern(camera, officer):
    order = order_make(
        issued_by=officer,
        plate="",
        pattern="45누71**",
        crime="hit-and-run",
        case_number="2026-TEST-0003",
        expires_in=dt.timedelta(days=1),
    )
    OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.CREATED, actor=officer)
    run(camera, [checked(camera, plate="45누7133")])
    assert Sighting.objects.get().match_kind == "pattern"


def test_photos_of_a_rolled_back_batch_are_removed(camera, order, media):
    read = checked(camera, plate="12가3456", plate_image=JPEG_B64)
    with mock.patch("sightings.models.Sighting.objects.bulk_update", side_effect=OperationalError("database gone")):
        with pytest.raises(OperationalError):
            run(camera, [read])
    assert files_under(media) == []
    assert not Sighting.objects.exists()


def test_the_photo_hash_is_what_the_ledger_would_record(camera, order):
    run(camera, [checked(camera, plate="12가3456", plate_image=JPEG_B64)])
    sighting = Sighting.objects.get()
    assert hashlib.sha256(sighting.plate_image.read()).hexdigest() == hashlib.sha256(JPEG).hexdigest()
