"""The centre operator manages the municipality's cameras: add, rename, move, switch plate reading, retire."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessLogEntry
from sightings.models import Camera
from tests.factories import camera_make, footage_request_make, integration_key_make, sighting_make
from tests.sightings.reads.helpers import a_read

pytestmark = pytest.mark.django_db


def list_url(municipality) -> str:
    return reverse("sightings:camera-list", kwargs={"code": municipality.code})


def post_reads(client, key: str, camera: Camera) -> dict:
    response = client.post(
        "/api/v1/reads/",
        {"reads": [a_read(camera.code, plate="99가9999")]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 202
    return response.json()


def last_entry() -> AccessLogEntry:
    return AccessLogEntry.objects.order_by("-sequence").first()


def test_it_lists_the_municipality_cameras_with_their_history(client, operator, camera, order, other_camera):
    sighting_make(order, camera)
    client.force_login(operator)
    page = client.get(list_url(operator.municipality)).content.decode()
    assert camera.code in page and camera.name in page
    assert other_camera.code not in page
    entry = last_entry()
    assert (entry.object_type, entry.shown) == ("camera", 1)


def test_its_query_count_does_not_grow_with_the_cameras(client, operator, municipality):
    client.force_login(operator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(list_url(municipality)).status_code == 200
        return len(captured)

    camera_make(municipality=municipality, code="11380-C900")
    one = queries()
    for number in range(30):
        camera_make(municipality=municipality, code=f"11380-C{number:03d}")
    assert queries() == one


@pytest.mark.parametrize("role", ["officer", "other_operator", "auditor", "admin_user"])
def test_it_hides_the_cameras_from_everyone_but_their_operators(client, request, role, municipality, camera):
    client.force_login(request.getfixturevalue(role))
    assert client.get(list_url(municipality)).status_code == 404
    assert client.get(reverse("sightings:camera-edit", args=[camera.id])).status_code == 404
    response = client.post(reverse("sightings:camera-retire", args=[camera.id]), {"confirm": "on"})
    assert response.status_code == 404
    camera.refresh_from_db()
    assert camera.active


def test_it_adds_a_camera_whose_reads_are_accepted(client, operator, municipality):
    client.force_login(operator)
    response = client.post(
        list_url(municipality),
        {
            "code": "11380-C042",
            "name": "은평구 연서로 4번 교차로",
            "kind": "arterial",
            "lat": "37.61",
            "lon": "126.92",
            "reads_plates": "on",
        },
    )
    assert response.status_code == 303 and response["Location"] == list_url(municipality)
    camera = Camera.objects.get(municipality=municipality, code="11380-C042")
    assert (camera.name, camera.reads_plates, camera.active) == ("은평구 연서로 4번 교차로", True, True)
    assert last_entry().action == "camera.add"
    assert post_reads(Client(), integration_key_make(municipality=municipality), camera)["accepted"] == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "11380-C001"}, "code"),  # the existing camera's code
        ({"code": "has space"}, "code"),
        ({"lat": "51.5"}, "lat"),
        ({"lon": "200"}, "lon"),
        ({"name": ""}, "name"),
        ({"kind": "drone"}, "kind"),
    ],
)
def test_it_refuses_a_bad_camera_naming_the_field(client, operator, municipality, camera, fields, field):
    client.force_login(operator)
    data = {"code": "11380-C050", "name": "새 카메라", "kind": "arterial", "lat": "37.61", "lon": "126.92", **fields}
    response = client.post(list_url(municipality), data)
    assert response.status_code == 400
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert Camera.objects.filter(municipality=municipality).count() == 1


def test_it_renames_and_moves_a_camera_keeping_its_code(client, operator, camera):
    client.force_login(operator)
    url = reverse("sightings:camera-edit", args=[camera.id])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"name": "은평구 통일로 새 교차로", "kind": "crime_prevention", "lat": "37.63", "lon": "126.94"}
    )
    assert response.status_code == 303
    camera.refresh_from_db()
    assert (camera.code, camera.name, camera.kind, camera.lat, camera.lon) == (
        "11380-C001",
        "은평구 통일로 새 교차로",
        "crime_prevention",
        37.63,
        126.94,
    )
    assert (last_entry().action, last_entry().object_id) == ("camera.edit", str(camera.id))


def test_a_camera_switched_off_has_its_reads_refused_and_back_on_accepted(client, operator, municipality, camera):
    key = integration_key_make(municipality=municipality)
    client.force_login(operator)
    url = reverse("sightings:camera-reading", args=[camera.id])
    assert client.post(url, {"reads_plates": "off"}).status_code == 303
    camera.refresh_from_db()
    assert camera.reads_plates is False
    assert last_entry().action == "camera.reading"
    answer = post_reads(Client(), key, camera)
    assert answer["accepted"] == 0 and "camera" in answer["rejected"][0]["errors"]

    from sightings.reads.api import key_cameras_cache_clear

    key_cameras_cache_clear()  # another KEY_CACHE_SECONDS later
    client.force_login(operator)
    assert client.post(url, {"reads_plates": "on"}).status_code == 303
    assert post_reads(Client(), key, camera)["accepted"] == 1


def test_switching_needs_on_or_off(client, operator, camera):
    client.force_login(operator)
    response = client.post(reverse("sightings:camera-reading", args=[camera.id]), {"reads_plates": "maybe"})
    assert response.status_code == 400
    assert "on or off" in response.content.decode()


def test_a_retired_camera_keeps_its_history_and_takes_no_reads_or_requests(
    client, operator, officer, municipality, camera, order
):
    sighting = sighting_make(order, camera)
    request = footage_request_make(order=order, camera=camera, requested_by=officer, sighting=sighting)
    key = integration_key_make(municipality=municipality)
    client.force_login(operator)
    url = reverse("sightings:camera-retire", args=[camera.id])

    unconfirmed = client.post(url, {})
    assert unconfirmed.status_code == 303
    camera.refresh_from_db()
    assert camera.active

    assert client.post(url, {"confirm": "on"}).status_code == 303
    camera.refresh_from_db()
    assert (camera.active, camera.reads_plates) == (False, False)
    assert camera.sightings.get() == sighting and camera.footage_requests.get() == request
    assert last_entry().action == "camera.retire"
    page = client.get(list_url(municipality)).content.decode()
    assert 'data-testid="retired"' in page

    answer = post_reads(Client(), key, camera)
    assert answer["accepted"] == 0 and "camera" in answer["rejected"][0]["errors"]

    # Nothing more can be done to it, and no footage can be asked of it.
    client.force_login(operator)
    renamed = client.post(
        reverse("sightings:camera-edit", args=[camera.id]),
        {"name": "x", "kind": "other", "lat": "37.6", "lon": "126.9"},
    )
    assert renamed.status_code == 303
    camera.refresh_from_db()
    assert camera.name != "x"
    client.force_login(officer)
    window = {
        "window_start": (sighting.seen_at - dt.timedelta(minutes=5)).isoformat(),
        "window_end": (sighting.seen_at + dt.timedelta(minutes=5)).isoformat(),
    }
    response = client.post(
        "/api/v1/footage-requests/",
        {"order": str(order.id), "camera": str(camera.id), "purpose": "escape route", **window},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "camera" in response.json()["errors"]


def test_the_operator_navigation_links_to_the_cameras(client, operator):
    client.force_login(operator)
    assert list_url(operator.municipality) in client.get(reverse("home")).content.decode()
