"""Every hit delivered to the police writes its location disclosure in the same transaction as the sighting."""

from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone

from audit.ledger import verify_stored
from audit.models import DisclosureEntry
from sightings.models import Sighting
from sightings.reads.ingest import reads_match
from sightings.reads.parse import Read, read_check
from tests.sightings.reads.helpers import JPEG, JPEG_B64, a_read


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _run(camera, reads: list[dict]) -> None:
    checked = [read_check(read, cameras={camera.code: str(camera.id)}, now=timezone.now()) for read in reads]
    assert all(isinstance(read, Read) for read in checked)
    reads_match(municipality_id=camera.municipality_id, received_at=timezone.now(), reads=checked)


def test_a_hit_writes_one_location_entry_with_the_photos_hashes(camera, order):
    _run(camera, [a_read(camera.code, plate="12가3456", plate_image=JPEG_B64), a_read(camera.code)])
    sighting = Sighting.objects.get()
    entry = DisclosureEntry.objects.get()
    assert (entry.kind, entry.sighting_id, entry.order_id, entry.camera_id) == (
        "location",
        sighting.id,
        order.id,
        camera.id,
    )
    assert entry.legal_basis == order.legal_basis and entry.recipient == order.agency.name
    assert [item["sha256"] for item in entry.file_hashes] == [hashlib.sha256(JPEG).hexdigest()]
    assert entry.file_hashes[0]["name"] == sighting.plate_image.name


def test_a_batch_delivered_twice_is_disclosed_once(camera, order):
    reads = [a_read(camera.code, plate="12가3456"), a_read(camera.code, plate="12가3456")]
    _run(camera, reads)
    _run(camera, reads)
    assert Sighting.objects.count() == 2
    assert DisclosureEntry.objects.count() == 2
    assert verify_stored(DisclosureEntry).ok


def test_a_read_that_matches_nothing_is_not_disclosed(camera, order):
    _run(camera, [a_read(camera.code, plate="99가9999")])
    assert DisclosureEntry.objects.count() == 0


def test_when_the_ledger_cannot_be_written_no_sighting_is_stored(camera, order, monkeypatch):
    from audit import services

    def refuse(*args, **kwargs):
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr(services, "seal", refuse)
    # An error retrying cannot fix drops the read with a trace (tests/sightings/reads/test_ingest_isolation.py).
    _run(camera, [a_read(camera.code, plate="12가3456")])
    assert Sighting.objects.count() == 0 and DisclosureEntry.objects.count() == 0


def test_a_retrospective_hit_from_the_look_back_buffer_is_disclosed_too(
    officer, municipality, camera, django_capture_on_commit_callbacks
):
    import datetime as dt

    from sightings.reads.lookback import UnmatchedRead, lookback_record
    from tests.sightings.reads.test_lookback import PLATE, issue, switch_on

    switch_on(municipality)
    lookback_record(
        municipality_id=municipality.pk,
        reads=[UnmatchedRead(camera.id, PLATE, timezone.now() - dt.timedelta(hours=2))],
    )
    with django_capture_on_commit_callbacks(execute=True):
        order = issue(officer)
    sighting = Sighting.objects.get(order=order, retrospective=True)
    entry = DisclosureEntry.objects.get()
    assert (entry.sighting_id, entry.order_id, entry.municipality_id) == (sighting.id, order.id, municipality.id)
