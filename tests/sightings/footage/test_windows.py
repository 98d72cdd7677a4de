"""Footage windows within a plausible range: not before the centres' recording retention, not in the future."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import DisclosureEntry
from sightings.models import FootageRequest
from tests.factories import sighting_make

API = "/api/v1/footage-requests/"


@pytest.fixture
def extreme_sighting(order, camera):
    # Stored directly, as a read with such a time was once accepted: the request about it must still be answered.
    return sighting_make(order, camera, seen_at=dt.datetime(1, 1, 1, tzinfo=dt.UTC))


@pytest.mark.parametrize(
    "seen_at", [dt.datetime(1, 1, 1, tzinfo=dt.UTC), dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC)]
)
def test_a_request_about_a_sighting_with_an_extreme_time_is_a_clean_400(client, officer, order, camera, seen_at):
    sighting = sighting_make(order, camera, seen_at=seen_at)
    client.force_login(officer)
    response = client.post(API, {"sighting": str(sighting.pk), "purpose": "x"}, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()["errors"]) == ["sighting"]
    assert not FootageRequest.objects.exists()


def test_the_form_answers_400_for_a_sighting_with_an_extreme_time(client, officer, order, extreme_sighting):
    client.force_login(officer)
    response = client.post(
        "/footage/new/", {"sighting": extreme_sighting.pk, "order": order.pk, "purpose": "Escape route"}
    )
    assert response.status_code == 400
    assert "sighting" in response.context["form"].errors
    assert not FootageRequest.objects.exists()


def _window(start: dt.datetime | str, end: dt.datetime | str) -> dict[str, str]:
    def text(value: dt.datetime | str) -> str:
        return value if isinstance(value, str) else value.isoformat()

    return {"window_start": text(start), "window_end": text(end)}


@pytest.mark.parametrize(
    ("window", "field"),
    [
        (
            lambda now: _window(now - dt.timedelta(days=31), now - dt.timedelta(days=31) + dt.timedelta(hours=1)),
            "window_start",
        ),
        (lambda now: _window(now - dt.timedelta(minutes=10), now + dt.timedelta(hours=1)), "window_end"),
        (lambda now: _window("0001-01-01T00:00:00+00:00", "0001-01-01T01:00:00+00:00"), "window_start"),
        (lambda now: _window("0001-01-01T00:00:00+14:00", "0001-01-01T01:00:00+14:00"), "window_start"),
        (lambda now: _window("0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"), "window_end"),
        (lambda now: _window("9999-12-31T22:00:00-09:00", "9999-12-31T23:00:00-09:00"), "window_end"),
    ],
)
def test_the_api_refuses_an_implausible_window_naming_the_field(client, officer, order, camera, window, field):
    client.force_login(officer)
    body = {"camera": str(camera.pk), "order": str(order.pk), "purpose": "x", **window(timezone.now())}
    response = client.post(API, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert not FootageRequest.objects.exists() and not DisclosureEntry.objects.exists()


def test_the_api_accepts_a_window_within_the_retention(client, officer, order, camera, settings):
    settings.FOOTAGE_WINDOW_MAX_AGE_DAYS = 30
    start = timezone.now() - dt.timedelta(days=29)
    client.force_login(officer)
    body = {
        "camera": str(camera.pk),
        "order": str(order.pk),
        "purpose": "x",
        **_window(start, start + dt.timedelta(hours=1)),
    }
    assert client.post(API, body, content_type="application/json").status_code == 201


def test_the_form_refuses_a_window_older_than_the_retention(client, officer, order, camera):
    client.force_login(officer)
    start = timezone.localtime() - dt.timedelta(days=40)
    response = client.post(
        "/footage/new/",
        {
            "order": order.pk,
            "municipality": camera.municipality_id,
            "camera_code": camera.code,
            "purpose": "Escape route",
            "window_start": start.strftime("%Y-%m-%dT%H:%M"),
            "window_end": (start + dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400
    assert "window_start" in response.context["form"].errors
    assert not FootageRequest.objects.exists()


def test_the_form_refuses_a_year_one_window(client, officer, order, camera):
    client.force_login(officer)
    response = client.post(
        "/footage/new/",
        {
            "order": order.pk,
            "municipality": camera.municipality_id,
            "camera_code": camera.code,
            "purpose": "Escape route",
            "window_start": "0001-01-01T00:00",
            "window_end": "0001-01-01T00:10",
        },
    )
    assert response.status_code == 400
    assert "window_start" in response.context["form"].errors
