"""One read the worker cannot store costs only itself: the rest of its batch is stored, the one is traced."""

from __future__ import annotations

import datetime as dt
import io
import logging
import uuid
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from audit.models import DisclosureEntry
from sightings.models import Sighting, WantedOrder
from sightings.reads import ingest
from sightings.reads.ingest import reads_match
from sightings.reads.parse import Read, reads_encode
from sightings.tasks import reads_match_task
from tests.factories import order_make
from wassweb.counters import READS_FAILED, counter_values

SECOND_WANTED = "34나5678"


@pytest.fixture
def second_order(order) -> WantedOrder:
    return order_make(issued_by=order.issued_by, plate=SECOND_WANTED, case_number="2026-TEST-0002")


def a_checked_read(camera, plate: str, seen_at: str) -> Read:
    """A read as the API would queue it; built directly so that a read the API now refuses can reach the worker."""
    return Read(str(uuid.uuid4()), str(camera.id), plate, seen_at, 0.9, None, None)


def failed_count(client) -> int:
    return client.get(reverse("health")).json()["counters"][READS_FAILED]


def test_a_read_that_fails_in_the_worker_costs_only_itself(client, camera, order, second_order, caplog):
    good = a_checked_read(camera, "12가3456", (timezone.now() - dt.timedelta(seconds=5)).isoformat())
    # The time of the report: one minute east of UTC at the first instant of year 1 is before year 1 in UTC.
    bad = a_checked_read(camera, SECOND_WANTED, "0001-01-01T00:00:00+00:01")
    before = failed_count(client)
    with caplog.at_level(logging.ERROR, logger="sightings.reads.ingest"):
        reads_match_task.run(camera.municipality_id, timezone.now().isoformat(), reads_encode([bad, good]))

    sighting = Sighting.objects.get()
    assert str(sighting.read_id) == good.read_id and sighting.order == order
    assert DisclosureEntry.objects.count() == 1
    lines = [record.getMessage() for record in caplog.records if record.name == "sightings.reads.ingest"]
    assert lines == [f"read {bad.read_id} was not stored: OverflowError; the rest of its batch was"]
    assert SECOND_WANTED not in caplog.text and "12가3456" not in caplog.text
    assert failed_count(client) == before + 1
    out = io.StringIO()
    call_command("verify_ledger", stdout=out, stderr=io.StringIO())
    assert "disclosure ledger: 1 entries" in out.getvalue()


def test_a_batch_with_no_failing_read_is_stored_in_one_go(camera, order, second_order):
    now = (timezone.now() - dt.timedelta(seconds=5)).isoformat()
    reads = [a_checked_read(camera, "12가3456", now), a_checked_read(camera, SECOND_WANTED, now)]
    with mock.patch("sightings.reads.ingest.hits_store", wraps=ingest.hits_store) as store:
        result = reads_match(municipality_id=camera.municipality_id, received_at=timezone.now(), reads=reads)
    assert store.call_count == 1
    assert (result.sightings_created, result.failed) == (2, 0)


def test_an_error_retrying_can_fix_still_fails_the_whole_batch(camera, order):
    read = a_checked_read(camera, "12가3456", timezone.now().isoformat())
    before = counter_values()[READS_FAILED]
    with (
        mock.patch("sightings.reads.ingest.hits_store", side_effect=OperationalError("connection lost")),
        pytest.raises(OperationalError),
    ):
        reads_match(municipality_id=camera.municipality_id, received_at=timezone.now(), reads=[read])
    assert counter_values()[READS_FAILED] == before
    assert not Sighting.objects.exists()


def test_a_read_that_fails_among_unmatched_ones_costs_only_itself(camera, caplog):
    now = timezone.now().isoformat()
    reads = [a_checked_read(camera, "99가9999", now), a_checked_read(camera, "98가9998", now)]
    kept: list[str] = []

    def record(*, municipality_id, reads):
        if len(reads) > 1 or reads[0].plate == "98가9998":
            raise ValueError("refused")
        kept.extend(read.read_id for read in reads)
        return len(reads)

    with mock.patch("sightings.reads.ingest.lookback_record", side_effect=record):
        result = reads_match(municipality_id=camera.municipality_id, received_at=timezone.now(), reads=reads)
    assert kept == [reads[0].read_id] and result.failed == 1
