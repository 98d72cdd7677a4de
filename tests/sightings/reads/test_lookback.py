"""The opt-in look-back buffer: keyed hashes only, searched when an order is issued, purged after retention."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import DisclosureEntry
from sightings.models import LookbackRead, Sighting
from sightings.reads import lookback
from sightings.reads.lookback import UnmatchedRead, lookback_maintain, lookback_record, plate_key
from tests.factories import order_issue_make, order_make

PLATE = "12가3456"


def switch_on(municipality, hours=24):
    municipality.lookback_retention_hours = hours
    municipality.save(update_fields=["lookback_retention_hours"])


def issue(officer, plate=PLATE, **extra):
    return order_issue_make(issued_by=officer, plate=plate, case_number="2026-LB-1", **extra)


def raw_rows():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {LookbackRead._meta.db_table}")  # noqa: S608
        return cursor.fetchall()


@pytest.mark.django_db
def test_with_the_buffer_on_a_read_two_hours_before_the_order_becomes_a_retrospective_sighting(
    officer, municipality, camera, django_capture_on_commit_callbacks
):
    switch_on(municipality)
    two_hours_ago = timezone.now() - dt.timedelta(hours=2)
    kept = lookback_record(
        municipality_id=municipality.pk,
        reads=[UnmatchedRead(camera.id, PLATE, two_hours_ago), UnmatchedRead(camera.id, "34나5678", two_hours_ago)],
    )
    assert kept == 2

    with django_capture_on_commit_callbacks(execute=True):
        order = issue(officer)

    sighting = Sighting.objects.get(order=order)
    assert sighting.retrospective is True
    assert (sighting.camera, sighting.seen_at, sighting.plate) == (camera, two_hours_ago, PLATE)
    assert sighting.match_kind == Sighting.MatchKind.EXACT
    assert not sighting.plate_image and not sighting.vehicle_image
    entry = DisclosureEntry.objects.get(sighting_id=sighting.id)
    assert (entry.kind, entry.legal_basis, entry.municipality_id) == ("location", "18-2-7", municipality.pk)


@pytest.mark.django_db
def test_a_repeated_search_creates_nothing_twice(officer, municipality, camera, django_capture_on_commit_callbacks):
    switch_on(municipality)
    lookback_record(
        municipality_id=municipality.pk, reads=[UnmatchedRead(camera.id, PLATE, timezone.now() - dt.timedelta(hours=1))]
    )
    with django_capture_on_commit_callbacks(execute=True):
        order = issue(officer)
    assert lookback.lookback_search(order=order) == []
    assert Sighting.objects.filter(order=order).count() == 1


@pytest.mark.django_db
def test_the_search_finds_the_plate_in_every_opted_in_municipality_within_its_own_retention(
    officer, municipality, other_municipality, camera, other_camera
):
    switch_on(municipality, hours=24)
    switch_on(other_municipality, hours=3)
    now = timezone.now()
    for mun, cam in ((municipality, camera), (other_municipality, other_camera)):
        lookback_record(
            municipality_id=mun.pk,
            reads=[UnmatchedRead(cam.id, PLATE, now - dt.timedelta(hours=2))],
            now=now - dt.timedelta(hours=2),
        )
    # Five hours on: still within 은평구's 24 hours, past 서초구's 3.
    order = order_make(issued_by=officer, plate=PLATE, case_number="C", expires_at=now + dt.timedelta(days=1))
    found = lookback.lookback_search(order=order, now=now + dt.timedelta(hours=3))
    assert [s.camera_id for s in found] == [camera.id]


@pytest.mark.django_db
def test_with_the_buffer_off_nothing_is_kept(officer, municipality, camera, django_capture_on_commit_callbacks):
    assert municipality.lookback_retention_hours == 0
    kept = lookback_record(
        municipality_id=municipality.pk, reads=[UnmatchedRead(camera.id, PLATE, timezone.now() - dt.timedelta(hours=2))]
    )
    assert kept == 0
    assert raw_rows() == []
    with django_capture_on_commit_callbacks(execute=True):
        order = issue(officer)
    assert not Sighting.objects.filter(order=order).exists()


@pytest.mark.django_db
def test_the_buffer_never_contains_the_plate_text(municipality, camera):
    switch_on(municipality)
    plates = [PLATE, "서울12가3456", "123가4567", "외교123456"]
    lookback_record(
        municipality_id=municipality.pk,
        reads=[UnmatchedRead(camera.id, plate, timezone.now() - dt.timedelta(minutes=5)) for plate in plates],
    )
    rows = raw_rows()
    assert len(rows) == len(plates)
    columns = [
        c.name for c in connection.introspection.get_table_description(connection.cursor(), "sightings_lookbackread")
    ]
    assert sorted(columns) == sorted(["id", "municipality_id", "camera_id", "plate_hash", "seen_at", "purge_after"])
    dumped = repr(rows).encode() + b"".join(bytes(v) for row in rows for v in row if isinstance(v, bytes | memoryview))
    for plate in plates:
        for fragment in (plate, "3456", "가3456"):
            assert fragment.encode() not in dumped
            assert fragment.encode("utf-16-le") not in dumped
            assert fragment not in repr(rows)
    assert {bytes(row[columns.index("plate_hash")]) for row in rows} == {
        plate_key(bytes(municipality.lookback_secret), plate) for plate in plates
    }


@pytest.mark.django_db
def test_two_municipalities_keep_different_hashes_of_one_plate(municipality, other_municipality):
    assert plate_key(bytes(municipality.lookback_secret), PLATE) != plate_key(
        bytes(other_municipality.lookback_secret), PLATE
    )
    assert plate_key(b"k", " 12 가 3456 ") == plate_key(b"k", PLATE)


@pytest.mark.django_db
def test_reads_already_past_retention_are_not_kept(municipality, camera):
    switch_on(municipality, hours=1)
    kept = lookback_record(
        municipality_id=municipality.pk, reads=[UnmatchedRead(camera.id, PLATE, timezone.now() - dt.timedelta(hours=2))]
    )
    assert kept == 0 and raw_rows() == []


@pytest.mark.django_db
def test_a_read_with_seen_at_as_iso_text_is_kept_like_the_ingest_worker_sends_it(municipality, camera):
    switch_on(municipality)
    seen_at = (timezone.now() - dt.timedelta(minutes=1)).isoformat()
    assert lookback_record(municipality_id=municipality.pk, reads=[UnmatchedRead(str(camera.id), PLATE, seen_at)]) == 1


@pytest.mark.django_db
def test_purge_removes_rows_past_retention(municipality, camera):
    switch_on(municipality, hours=2)
    now = timezone.now()
    lookback_record(
        municipality_id=municipality.pk,
        reads=[
            UnmatchedRead(camera.id, PLATE, now - dt.timedelta(minutes=90)),
            UnmatchedRead(camera.id, "34나5678", now - dt.timedelta(minutes=10)),
        ],
        now=now,
    )
    # The first read's retention ended 30 minutes from now; on PostgreSQL its hour partition goes when the hour
    # is over, so look again once that hour has certainly passed. The second read has 20 minutes left then.
    lookback_maintain(now=now + dt.timedelta(minutes=91))
    remaining = list(LookbackRead.objects.values_list("seen_at", flat=True))
    assert remaining == [now - dt.timedelta(minutes=10)]


@pytest.mark.django_db
def test_switching_the_buffer_off_forgets_everything_and_changes_the_key(operator, municipality, camera):
    switch_on(municipality)
    old_secret = bytes(municipality.lookback_secret)
    lookback_record(municipality_id=municipality.pk, reads=[UnmatchedRead(camera.id, PLATE, timezone.now())])
    lookback.municipality_lookback_configure(municipality=municipality, retention_hours=0, actor=operator)
    municipality.refresh_from_db()
    assert raw_rows() == []
    assert municipality.lookback_retention_hours == 0
    assert bytes(municipality.lookback_secret) != old_secret


@pytest.mark.django_db
def test_shortening_retention_forgets_older_reads_at_once(operator, municipality, camera):
    switch_on(municipality, hours=24)
    now = timezone.now()
    lookback_record(
        municipality_id=municipality.pk,
        reads=[
            UnmatchedRead(camera.id, PLATE, now - dt.timedelta(hours=10)),
            UnmatchedRead(camera.id, PLATE, now - dt.timedelta(minutes=10)),
        ],
    )
    lookback.municipality_lookback_configure(municipality=municipality, retention_hours=2, actor=operator)
    assert LookbackRead.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("hours", [-1, 73, "12"])
def test_retention_outside_the_limit_is_refused(operator, municipality, hours):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        lookback.municipality_lookback_configure(municipality=municipality, retention_hours=hours, actor=operator)
    assert "lookback_retention_hours" in refused.value.message_dict


@pytest.mark.services
@pytest.mark.django_db
def test_on_postgresql_the_buffer_is_purged_by_dropping_hour_partitions(municipality, camera):
    assert connection.vendor == "postgresql"
    switch_on(municipality, hours=2)
    now = timezone.now()
    lookback_record(
        municipality_id=municipality.pk,
        reads=[
            UnmatchedRead(camera.id, PLATE, now - dt.timedelta(minutes=110)),
            UnmatchedRead(camera.id, "34나5678", now),
        ],
        now=now,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'sightings_lookbackread'")
        assert cursor.fetchone()[0] == "p"  # partitioned
    old_partition = lookback._partition_start(now - dt.timedelta(minutes=110) + dt.timedelta(hours=2))
    assert old_partition in lookback.lookback_partitions()

    later = now + dt.timedelta(hours=2)
    result = lookback_maintain(now=later)

    partitions = lookback.lookback_partitions()
    assert old_partition not in partitions
    assert result["dropped"] >= 1 and result["deleted"] == 0
    assert partitions[0] + lookback.PARTITION_SPAN > later  # nothing left whose hour has passed
    assert len(partitions) >= lookback.MAX_RETENTION_HOURS  # created ahead
    assert list(LookbackRead.objects.values_list("seen_at", flat=True)) == [now]


@pytest.mark.django_db
def test_the_ingest_worker_keeps_unmatched_reads_of_an_opted_in_municipality_for_a_later_order(
    officer, municipality, other_municipality, camera, other_camera, django_capture_on_commit_callbacks
):
    from sightings.reads.parse import Read
    from sightings.tasks import reads_match_task

    switch_on(municipality)
    seen_at = (timezone.now() - dt.timedelta(hours=2)).isoformat()
    for cam in (camera, other_camera):  # 서초구 has not opted in: its read is forgotten
        read = Read("6f1c0f7e-7d7a-4c59-9a55-2d0f7f0b1a01", str(cam.id), PLATE, seen_at, 0.9, None, None)
        reads_match_task.run(cam.municipality_id, timezone.now().isoformat(), [list(read)])
    assert LookbackRead.objects.count() == 1
    assert not Sighting.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        order = issue(officer)
    [sighting] = Sighting.objects.filter(order=order)
    assert (sighting.camera, sighting.retrospective, sighting.seen_at.isoformat()) == (camera, True, seen_at)
