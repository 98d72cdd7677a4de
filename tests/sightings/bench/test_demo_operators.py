"""The demo gives its two operators work: an urgent footage request waiting in each queue, wanted vehicles
driving through their municipalities, and new requests for the hits found there."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from sightings.bench.demo_data import DEMO_OPERATOR_CENTRES, demo_footage_request_next
from sightings.bench.simulation import SimCamera, Traffic
from sightings.models import Camera, FootageRequest, WantedOrder
from tests.factories import sighting_make


@pytest.mark.django_db
def test_each_demo_operator_starts_with_an_urgent_request_to_decide():
    call_command("seed_demo", "--password", "pw-for-test-123", stdout=StringIO())
    call_command("seed_demo", "--password", "pw-for-test-123", stdout=StringIO())  # no second pair
    waiting = FootageRequest.objects.filter(status=FootageRequest.Status.PENDING, urgent=True)
    assert sorted(waiting.values_list("municipality__code", flat=True)) == sorted(DEMO_OPERATOR_CENTRES)


@pytest.mark.django_db
def test_a_demo_started_again_later_adds_a_request_still_in_time_beside_the_escalated_one(settings):
    call_command("seed_demo", "--password", "pw-for-test-123", stdout=StringIO())
    long_ago = timezone.now() - dt.timedelta(minutes=settings.FOOTAGE_URGENT_ESCALATE_MINUTES + 1)
    FootageRequest.objects.update(created_at=long_ago)
    call_command("seed_demo", "--password", "pw-for-test-123", stdout=StringIO())
    fresh = FootageRequest.objects.filter(status=FootageRequest.Status.PENDING, created_at__gt=long_ago)
    assert sorted(fresh.values_list("municipality__code", flat=True)) == sorted(DEMO_OPERATOR_CENTRES)


@pytest.mark.django_db
def test_the_demo_officer_asks_for_footage_of_the_latest_hit_in_a_demo_centre():
    call_command("seed_demo", "--password", "pw-for-test-123", stdout=StringIO())
    order = WantedOrder.objects.get(plate="234러5678")
    camera = Camera.objects.filter(municipality__code="11650").first()
    sighting = sighting_make(order, camera, plate="234러5678")
    made = demo_footage_request_next()
    assert (made.sighting, made.municipality.code, made.urgent) == (sighting, "11650", True)
    assert demo_footage_request_next() is None  # asked once per hit


def test_routed_wanted_vehicles_pass_through_both_centres():
    cameras = [
        SimCamera(f"{code}-C{n}", code, lat, lon + n * 0.004)
        for code, lat, lon in [("41280", 37.66, 126.83), ("11380", 37.62, 126.93), ("11650", 37.47, 127.03)]
        for n in range(6)
    ]
    traffic = Traffic(
        cameras,
        wanted_plates=["234러5678"],
        wanted_share=1.0,
        misread_share=0,
        vehicles=10,
        seed=3,
        via=["11380", "11650"],
    )
    seen = {municipality for municipality, _ in traffic.reads(200, dt.datetime.now(dt.UTC))}
    assert {"11380", "11650"} <= seen
