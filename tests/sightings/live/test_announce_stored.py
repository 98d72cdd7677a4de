"""A hit stored by the matching worker is announced from what its transaction stored, not read back."""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sightings.live import alerts
from sightings.live.alerts import OFFICERS_GROUP, municipality_group, sighting_payload, sightings_announce_pending
from sightings.models import Sighting
from sightings.reads.parse import Read, read_check, reads_encode
from sightings.tasks import reads_match_task
from tests.sightings.reads.helpers import a_read

SEOUL = ZoneInfo("Asia/Seoul")


def store_hit(camera, plate: str = "12가3456") -> None:
    """One read of the order's plate through the worker's task, its times given with a +09:00 offset."""
    seen_at = (timezone.now() - dt.timedelta(seconds=5)).astimezone(SEOUL).isoformat()
    read = read_check(
        a_read(camera.code, plate=plate, seen_at=seen_at), cameras={camera.code: str(camera.id)}, now=timezone.now()
    )
    assert isinstance(read, Read), read
    received_at = timezone.now().astimezone(SEOUL).isoformat()
    reads_match_task.run(camera.municipality_id, received_at, reads_encode([read]))


@pytest.fixture
def sent():
    """What the announcement hands to the channel layer, as (group, type, payload) per send."""
    calls: list[tuple] = []
    with mock.patch.object(alerts, "send_to_groups", side_effect=lambda sends: calls.extend(s[:3] for s in sends)):
        yield calls


def test_the_announcement_after_commit_reads_no_hit_back(order, camera, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        store_hit(camera)
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()
    sighting_reads = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith("SELECT") and "sightings_sighting" in query["sql"]
    ]
    assert sighting_reads == []
    assert len(sent) == 2  # the officers' feed and the camera's municipality


def test_the_payload_is_the_one_a_read_from_the_database_builds(
    order, camera, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        store_hit(camera)
    stored = alerts._with_payload_relations(Sighting.objects.all()).get()
    expected = sighting_payload(stored)
    assert stored.stream_position == 1
    assert sent == [
        (OFFICERS_GROUP, alerts.SIGHTING_ALERT, expected),
        (municipality_group(camera.municipality.code), alerts.SIGHTING_ALERT, expected),
    ]


def test_a_hit_the_sweep_already_announced_is_not_announced_again(
    order, camera, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        store_hit(camera)
    # The worker stalls after the commit; the beat sweep finds the hit without a position and announces it.
    assert sightings_announce_pending(older_than_seconds=-60) == 1
    assert len(sent) == 2
    for callback in callbacks:
        callback()
    assert len(sent) == 2
    assert Sighting.objects.get().stream_position == 1
