"""The sightings API: who sees which hits, and verify / acknowledge / dispatch with their refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLogEntry
from sightings.models import Sighting, WantedOrder
from tests.factories import unit_make
from tests.queries import access_log_queries
from tests.sightings.live.helpers import make_hit, make_order

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"


@pytest.fixture
def hit(order, camera) -> Sighting:
    return make_hit(order, camera)


@pytest.fixture
def other_hit(order, other_camera) -> Sighting:
    return make_hit(order, other_camera)


def _post(client, name: str, sighting: Sighting, data: dict | None = None):
    return client.post(reverse(name, args=[sighting.id]), data or {}, content_type="application/json")


# -- list ------------------------------------------------------------------------------------------------------


def test_it_lists_hits_of_active_orders_to_any_officer(client, other_officer, hit, other_hit):
    client.force_login(other_officer)
    response = client.get(reverse("sightings"))
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {str(hit.id), str(other_hit.id)}


def test_it_lists_only_the_operators_own_municipality(client, operator, hit, other_hit):
    client.force_login(operator)
    response = client.get(reverse("sightings"))
    assert [row["id"] for row in response.json()["results"]] == [str(hit.id)]


def test_it_keeps_closed_orders_hits_for_their_own_agency_only(client, officer, other_officer, order, hit):
    WantedOrder.objects.filter(pk=order.pk).update(status=WantedOrder.Status.RESOLVED)
    client.force_login(officer)
    assert [row["id"] for row in client.get(reverse("sightings")).json()["results"]] == [str(hit.id)]
    client.force_login(other_officer)
    assert client.get(reverse("sightings")).json()["results"] == []


def test_it_filters_by_order_and_time(client, officer, order, camera, hit):
    other_order = make_order(officer)
    other = make_hit(other_order, camera)
    Sighting.objects.filter(pk=other.pk).update(seen_at=timezone.now() - dt.timedelta(hours=5))
    client.force_login(officer)
    by_order = client.get(reverse("sightings"), {"order": str(order.id)}).json()["results"]
    assert [row["id"] for row in by_order] == [str(hit.id)]
    since = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    by_time = client.get(reverse("sightings"), {"since": since}).json()["results"]
    assert [row["id"] for row in by_time] == [str(hit.id)]


def test_it_names_a_bad_filter(client, officer):
    client.force_login(officer)
    response = client.get(reverse("sightings"), {"order": "12", "since": "yesterday"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"order", "since"}


def test_it_refuses_the_list_to_auditors_and_anonymous_people(client, auditor, hit):
    assert client.get(reverse("sightings")).status_code in (401, 403)
    client.force_login(auditor)
    assert client.get(reverse("sightings")).status_code == 403


def test_the_list_costs_a_fixed_number_of_queries(client, officer, order, camera, django_assert_num_queries):
    for _ in range(3):
        make_hit(order, camera)
    client.force_login(officer)
    client.get(reverse("sightings"))  # warm the session
    for _ in range(20):
        make_hit(order, camera)
    # session, user, one page of hits with their order, camera and people; the access-log entry (savepoint,
    # chain lock, head, insert, release); the session is saved on every request (savepoint, update, release)
    with django_assert_num_queries(6 + access_log_queries()):
        response = client.get(reverse("sightings"))
    assert len(response.json()["results"]) == 23


def test_an_operator_of_another_municipality_cannot_see_a_hit(client, other_operator, hit):
    client.force_login(other_operator)
    assert client.get(reverse("sighting", args=[hit.id])).status_code == 404


# -- verify ----------------------------------------------------------------------------------------------------


def test_an_officer_confirms_a_hit_and_every_dashboard_is_told(
    client, other_officer, hit, django_capture_on_commit_callbacks, monkeypatch
):
    announced = []
    monkeypatch.setattr("sightings.hits.services.sighting_update_announce", announced.append)
    client.force_login(other_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, "sighting-verify", hit, {"verdict": "confirmed"})
    assert response.status_code == 200
    body = response.json()
    assert body["verification"] == "confirmed"
    assert body["verified_by"] == "officer-elsewhere"
    assert announced == [hit.id]


def test_it_refuses_a_second_verification_naming_the_first(client, officer, other_officer, hit):
    client.force_login(officer)
    assert _post(client, "sighting-verify", hit, {"verdict": "misread"}).status_code == 200
    client.force_login(other_officer)
    response = _post(client, "sighting-verify", hit, {"verdict": "confirmed"})
    assert response.status_code == 409
    assert "officer" in response.json()["detail"]
    hit.refresh_from_db()
    assert hit.verification == "misread"


def test_it_names_an_unknown_verdict_and_writes_nothing(client, officer, hit):
    client.force_login(officer)
    response = _post(client, "sighting-verify", hit, {"verdict": "probably"})
    assert response.status_code == 400
    assert "verdict" in response.json()["errors"]
    response = _post(client, "sighting-verify", hit, {})
    assert "verdict" in response.json()["errors"]
    hit.refresh_from_db()
    assert hit.verification == "unverified" and hit.verified_by is None


def test_operators_and_auditors_cannot_verify(client, operator, other_operator, auditor, hit):
    for person in (operator, other_operator, auditor):
        client.force_login(person)
        assert _post(client, "sighting-verify", hit, {"verdict": "confirmed"}).status_code == 403
    hit.refresh_from_db()
    assert hit.verification == "unverified"


def test_an_officer_cannot_act_on_a_closed_order_of_another_agency(client, other_officer, order, hit):
    WantedOrder.objects.filter(pk=order.pk).update(status=WantedOrder.Status.CANCELLED)
    client.force_login(other_officer)
    assert _post(client, "sighting-verify", hit, {"verdict": "confirmed"}).status_code == 404
    assert _post(client, "sighting-acknowledge", hit).status_code == 404


# -- acknowledge and dispatch ----------------------------------------------------------------------------------


def test_an_officer_acknowledges_once(client, officer, other_officer, hit):
    client.force_login(officer)
    response = _post(client, "sighting-acknowledge", hit)
    assert response.status_code == 200
    assert response.json()["acknowledged_by"] == "officer"
    client.force_login(other_officer)
    second = _post(client, "sighting-acknowledge", hit)
    assert second.status_code == 409
    assert "officer" in second.json()["detail"]


def test_operators_cannot_acknowledge(client, operator, hit):
    client.force_login(operator)
    assert _post(client, "sighting-acknowledge", hit).status_code == 403


@pytest.fixture
def units(agency, other_agency):
    return unit_make(agency=agency, call_sign="은평12"), unit_make(agency=other_agency, call_sign="서초3")


def test_an_officer_dispatches_a_named_unit(client, officer, other_officer, hit, units):
    client.force_login(officer)
    response = _post(client, "sighting-dispatch", hit, {"unit": "은평12"})
    assert response.status_code == 200
    body = response.json()
    assert (body["dispatched_unit"], body["dispatched_by"]) == ("은평12", "officer")
    assert body["acknowledged_by"] == "officer"
    client.force_login(other_officer)
    second = _post(client, "sighting-dispatch", hit, {"unit": "서초3"})
    assert second.status_code == 409
    assert "은평12" in second.json()["detail"]


def test_dispatch_needs_the_call_sign_of_a_real_unit(client, officer, hit, units):
    client.force_login(officer)
    for data in ({}, {"unit": ""}, {"unit": "x" * 61}, {"unit": "은평99"}):
        response = _post(client, "sighting-dispatch", hit, data)
        assert response.status_code == 400
        assert "unit" in response.json()["errors"]
    hit.refresh_from_db()
    assert hit.dispatched_unit == ""


def test_a_possible_misread_is_confirmed_before_anyone_is_sent(client, officer, order, camera, units):
    misread = make_hit(order, camera, plate="12가3459", match_kind="misread")
    client.force_login(officer)
    refused = _post(client, "sighting-dispatch", misread, {"unit": "은평12"})
    assert refused.status_code == 409
    assert "confirm" in refused.json()["detail"].lower()
    assert _post(client, "sighting-verify", misread, {"verdict": "confirmed"}).status_code == 200
    assert _post(client, "sighting-dispatch", misread, {"unit": "은평12"}).status_code == 200


def test_nobody_is_sent_to_a_hit_marked_misread(client, officer, hit, units):
    client.force_login(officer)
    _post(client, "sighting-verify", hit, {"verdict": "misread"})
    assert _post(client, "sighting-dispatch", hit, {"unit": "은평12"}).status_code == 409


def test_operators_cannot_dispatch(client, operator, hit, units):
    client.force_login(operator)
    assert _post(client, "sighting-dispatch", hit, {"unit": "은평12"}).status_code == 403


# -- photos ----------------------------------------------------------------------------------------------------


@pytest.fixture
def photographed_hit(hit, settings, tmp_path) -> Sighting:
    settings.MEDIA_ROOT = tmp_path
    hit.plate_image.save("plate.jpg", ContentFile(JPEG), save=True)
    return hit


def test_it_shows_the_plate_photo_and_logs_the_look(client, operator, photographed_hit):
    client.force_login(operator)
    response = client.get(reverse("sighting-photo", args=[photographed_hit.id, "plate"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG
    assert response["Cache-Control"] == "private, no-store"
    entry = AccessLogEntry.objects.get(object_id=str(photographed_hit.id))
    assert (entry.action, entry.outcome, entry.actor_id) == ("sighting.plate_photo", "allowed", operator.pk)


def test_it_refuses_the_photo_to_another_municipality_and_logs_the_refusal(
    client, other_operator, auditor, photographed_hit
):
    client.force_login(other_operator)
    assert client.get(reverse("sighting-photo", args=[photographed_hit.id, "plate"])).status_code == 404
    client.force_login(auditor)
    assert client.get(reverse("sighting-photo", args=[photographed_hit.id, "plate"])).status_code == 403
    outcomes = dict(
        AccessLogEntry.objects.filter(path__contains=str(photographed_hit.id)).values_list("actor", "outcome")
    )
    # Another municipality's hit is hidden behind "not found"; a role without photos is refused outright.
    assert outcomes == {other_operator.pk: "not-found", auditor.pk: "denied"}


def test_a_missing_photo_or_kind_is_not_found(client, officer, photographed_hit):
    client.force_login(officer)
    assert client.get(reverse("sighting-photo", args=[photographed_hit.id, "vehicle"])).status_code == 404
    assert client.get(reverse("sighting-photo", args=[photographed_hit.id, "face"])).status_code == 404
