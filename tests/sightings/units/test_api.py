"""The patrol units API: nearest units for a hit, a terminal's position and status, dispatch to a real unit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiKey
from accounts.services import api_key_create
from audit.models import DisclosureEntry
from sightings.models import DispatchAgreement, PatrolUnit, Sighting
from sightings.units.services import unit_positions_purge
from tests.factories import camera_make, sighting_make, unit_key_make, unit_make
from tests.queries import access_log_queries
from tests.sightings.units.conftest import bearer


def _near(client, hit, **params):
    return client.get(reverse("units"), {"near_sighting": str(hit.id), **params})


def _dispatch(client, hit, call_sign: str):
    return client.post(
        reverse("sighting-dispatch", args=[hit.id]), {"unit": call_sign}, content_type="application/json"
    )


def _position(client, call_sign: str, key: str, **body):
    return client.post(
        reverse("unit-position", args=[call_sign]),
        body or {"lat": 37.6, "lon": 126.9},
        content_type="application/json",
        **bearer(key),
    )


def _status(client, call_sign: str, key: str, status: str):
    return client.post(
        reverse("unit-status", args=[call_sign]), {"status": status}, content_type="application/json", **bearer(key)
    )


# -- nearest units ---------------------------------------------------------------------------------------------


def test_it_lists_the_available_units_nearest_to_a_hit_with_their_distance(client, officer, hit, unit, other_unit):
    unit_make(agency=officer.agency, call_sign="은평20", status=PatrolUnit.Status.OFF_DUTY, lat=37.6201, lon=126.93)
    unit_make(agency=officer.agency, call_sign="은평21", lat=None, lon=None)  # never reported where it is
    client.force_login(officer)
    response = _near(client, hit)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["call_sign"] for row in rows] == ["은평12", "은평13"]
    assert rows[0]["distance_m"] == pytest.approx(340, abs=20)
    assert rows[0]["ahead"] is None  # one sighting: no direction of travel
    assert rows[0]["position"]["lat"] == 37.623
    assert rows[0]["agency"] == officer.agency.code


def test_units_ahead_of_the_vehicle_come_first(client, officer, order, municipality, agency):
    south = camera_make(municipality=municipality, code="11380-C010", lat=37.60, lon=126.93)
    north = camera_make(municipality=municipality, code="11380-C011", lat=37.62, lon=126.93)
    sighting_make(order, south, seen_ago=dt.timedelta(minutes=4))
    hit = sighting_make(order, north, seen_ago=dt.timedelta(minutes=1))
    unit_make(agency=agency, call_sign="behind", lat=37.618, lon=126.93)  # 220 m south, where the car came from
    unit_make(agency=agency, call_sign="ahead", lat=37.635, lon=126.93)  # 1.7 km north
    client.force_login(officer)
    rows = _near(client, hit).json()["results"]
    assert [(row["call_sign"], row["ahead"]) for row in rows] == [("ahead", True), ("behind", False)]


def test_a_position_older_than_an_hour_counts_as_none_and_is_purged(client, officer, hit, unit, agency):
    stale = unit_make(agency=agency, call_sign="은평14", lat=37.6201, lon=126.9301, position_age=dt.timedelta(hours=2))
    client.force_login(officer)
    assert [row["call_sign"] for row in _near(client, hit).json()["results"]] == ["은평12"]
    listed = {row["call_sign"]: row for row in client.get(reverse("units")).json()["results"]}
    assert listed["은평14"]["position"] is None
    assert unit_positions_purge() == 1
    stale.refresh_from_db()
    unit.refresh_from_db()
    assert (stale.lat, stale.lon, stale.position_at) == (None, None, None)
    assert unit.position_at is not None


def test_another_agencys_units_are_listed_only_under_its_standing_agreement(
    client, officer, hit, unit, foreign_unit, agency, other_agency
):
    client.force_login(officer)
    assert [row["call_sign"] for row in _near(client, hit).json()["results"]] == ["은평12"]
    DispatchAgreement.objects.create(unit_agency=other_agency, dispatching_agency=agency)
    assert [row["call_sign"] for row in _near(client, hit).json()["results"]] == ["고양7", "은평12"]


def test_an_agreement_works_one_way_only(client, other_officer, hit, unit, agency, other_agency):
    DispatchAgreement.objects.create(unit_agency=other_agency, dispatching_agency=agency)
    client.force_login(other_officer)
    assert _near(client, hit).json()["results"] == []


@pytest.mark.parametrize("role", ["operator", "auditor", "admin_user"])
def test_only_officers_list_units(request, client, role, hit, unit):
    client.force_login(request.getfixturevalue(role))
    assert _near(client, hit).status_code == 403
    assert client.get(reverse("units")).status_code == 403


def test_it_answers_400_naming_the_field_for_a_bad_filter(client, officer, hit):
    client.force_login(officer)
    for params in ({"near_sighting": "not-a-uuid"}, {"near_sighting": str(hit.id), "limit": "0"}):
        response = client.get(reverse("units"), params)
        assert response.status_code == 400
        assert set(response.json()["errors"]) <= {"near_sighting", "limit"}
        assert response.json()["errors"]


def test_a_hit_the_officer_cannot_see_is_not_found(client, officer, other_officer, order, hit):
    order.status = order.Status.CANCELLED
    order.save(update_fields=["status"])
    client.force_login(other_officer)
    assert _near(client, hit).status_code == 404


def test_the_near_list_costs_a_fixed_number_of_queries(
    client, officer, order, camera, agency, other_agency, django_assert_num_queries
):
    DispatchAgreement.objects.create(unit_agency=other_agency, dispatching_agency=agency)
    for number in range(30):
        unit_make(agency=agency if number % 2 else other_agency, call_sign=f"u{number}", lat=37.62 + number / 1000)
    hits = [sighting_make(order, camera, seen_ago=dt.timedelta(minutes=m)) for m in (9, 6, 3)]
    client.force_login(officer)
    _near(client, hits[-1])  # warm the session
    # session, user, the hit with its order and camera, the direction of travel, the units with their agencies, and
    # the session saved on every request (savepoint, update, release)
    with django_assert_num_queries(8 + access_log_queries()):
        response = _near(client, hits[-1], limit=50)
    assert len(response.json()["results"]) == 30


# -- a terminal's position -------------------------------------------------------------------------------------


def test_a_terminal_reports_its_units_position(client, unit, unit_key):
    response = _position(client, "은평12", unit_key, lat=37.6305, lon=126.9201, heading_deg=90, accuracy_m=8)
    assert response.status_code == 204
    unit.refresh_from_db()
    assert (unit.lat, unit.lon, unit.heading_deg, unit.accuracy_m) == (37.6305, 126.9201, 90, 8)
    assert timezone.now() - unit.position_at < dt.timedelta(seconds=5)


def test_a_terminal_reports_at_most_every_few_seconds(client, settings, unit, unit_key):
    settings.UNIT_POSITION_MIN_INTERVAL_SECONDS = 5
    PatrolUnit.objects.filter(pk=unit.pk).update(position_at=timezone.now() - dt.timedelta(seconds=10))
    assert _position(client, "은평12", unit_key).status_code == 204
    refused = _position(client, "은평12", unit_key, lat=37.7, lon=127.0)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 5
    unit.refresh_from_db()
    assert (unit.lat, unit.lon) == (37.6, 126.9)


def test_a_unit_key_posts_only_its_own_units_position(client, unit, other_unit, unit_key):
    assert _position(client, "은평13", unit_key).status_code == 403
    assert _position(client, "없는차", unit_key).status_code == 403  # an unknown unit answers the same
    other_unit.refresh_from_db()
    assert other_unit.lat == 37.64


def test_only_a_unit_key_reports_a_position(client, officer, unit, terminal):
    _, api_key = api_key_create(name="officer's key", user=officer, scope=ApiKey.Scope.API)
    _, alerts_key = api_key_create(name="alerts", user=officer, scope=ApiKey.Scope.ALERTS)
    assert _position(client, "은평12", api_key).status_code == 403
    assert _position(client, "은평12", alerts_key).status_code == 403
    assert _position(client, "은평12", "wass_nope").status_code == 401
    client.force_login(officer)
    assert _position(client, "은평12", "").status_code == 401  # a session is not a terminal


def test_a_bad_position_is_refused_naming_the_field(client, unit, unit_key):
    for body, field in [
        ({"lon": 126.9}, "lat"),
        ({"lat": 91, "lon": 126.9}, "lat"),
        ({"lat": 37.6, "lon": "east"}, "lon"),
        ({"lat": 37.6, "lon": 126.9, "heading_deg": 400}, "heading_deg"),
        ({"lat": 37.6, "lon": 126.9, "accuracy_m": -1}, "accuracy_m"),
    ]:
        response = _position(client, "은평12", unit_key, **body)
        assert response.status_code == 400, body
        assert field in response.json()["errors"], body


def test_a_unit_key_is_refused_by_every_other_api(client, unit_key, hit, order):
    for method, url, body in [
        ("get", reverse("sightings"), None),
        ("get", reverse("sighting", args=[hit.id]), None),
        ("post", reverse("sighting-dispatch", args=[hit.id]), {"unit": "은평12"}),
        ("get", reverse("orders"), None),
        ("get", reverse("units"), None),
        ("post", reverse("reads"), {"reads": []}),
    ]:
        call = getattr(client, method)
        response = (
            call(url, body, content_type="application/json", **bearer(unit_key))
            if body
            else call(url, **bearer(unit_key))
        )
        assert response.status_code == 403, url


def test_accepted_positions_leave_no_access_log_row_but_refusals_do(client, unit, other_unit, unit_key):
    from audit.models import AccessLogEntry

    before = AccessLogEntry.objects.count()
    assert _position(client, "은평12", unit_key).status_code == 204
    assert AccessLogEntry.objects.count() == before
    assert _position(client, "은평13", unit_key).status_code == 403
    entry = AccessLogEntry.objects.order_by("-sequence").first()
    assert entry.outcome == "denied"
    assert entry.actor_label.startswith("terminal-eunpyeong12")


# -- dispatch --------------------------------------------------------------------------------------------------


def test_dispatch_assigns_the_unit_and_writes_the_disclosure(client, officer, hit, unit, order):
    client.force_login(officer)
    response = _dispatch(client, hit, "은평12")
    assert response.status_code == 200
    body = response.json()
    assert (body["dispatched_unit"], body["dispatch_status"]) == ("은평12", "assigned")
    unit.refresh_from_db()
    assert (unit.status, unit.assignment_id) == (PatrolUnit.Status.ASSIGNED, hit.id)
    entry = DisclosureEntry.objects.get(sighting_id=hit.id)
    assert entry.kind == DisclosureEntry.Kind.LOCATION
    assert "은평12" in entry.recipient and officer.agency.name in entry.recipient
    assert (entry.recipient_agency_id, entry.requester_id, entry.legal_basis) == (
        unit.agency_id,
        officer.pk,
        order.legal_basis,
    )
    assert entry.plate == hit.plate


def test_another_agencys_unit_is_refused_without_its_agreement(
    client, officer, hit, foreign_unit, agency, other_agency
):
    client.force_login(officer)
    refused = _dispatch(client, hit, "고양7")
    assert refused.status_code == 403
    assert "agreement" in refused.json()["detail"]
    hit.refresh_from_db()
    assert hit.dispatched_unit == ""
    assert not DisclosureEntry.objects.filter(sighting_id=hit.id).exists()
    DispatchAgreement.objects.create(unit_agency=other_agency, dispatching_agency=agency)
    assert _dispatch(client, hit, "고양7").status_code == 200
    assert DisclosureEntry.objects.get(sighting_id=hit.id).recipient_agency_id == other_agency.pk


def test_a_unit_off_duty_or_on_another_vehicle_is_not_sent(client, officer, order, camera, unit, other_unit):
    from tests.sightings.live.helpers import make_order

    client.force_login(officer)
    PatrolUnit.objects.filter(pk=other_unit.pk).update(status=PatrolUnit.Status.OFF_DUTY)
    first = sighting_make(order, camera)
    assert _dispatch(client, first, "은평13").status_code == 409
    assert _dispatch(client, first, "은평12").status_code == 200
    another_vehicle = sighting_make(make_order(officer), camera)
    busy = _dispatch(client, another_vehicle, "은평12")
    assert busy.status_code == 409
    assert "another vehicle" in busy.json()["detail"]


def test_a_unit_is_re_sent_to_a_newer_hit_of_the_same_vehicle(client, officer, order, camera, unit):
    client.force_login(officer)
    first = sighting_make(order, camera, seen_ago=dt.timedelta(minutes=3))
    newer = sighting_make(order, camera, seen_ago=dt.timedelta(seconds=5))
    assert _dispatch(client, first, "은평12").status_code == 200
    assert _dispatch(client, newer, "은평12").status_code == 200
    unit.refresh_from_db()
    assert unit.assignment_id == newer.id
    assert DisclosureEntry.objects.filter(sighting_id__in=[first.id, newer.id]).count() == 2


# -- status reports --------------------------------------------------------------------------------------------


def test_a_terminal_reports_en_route_on_scene_and_an_arrest(client, officer, hit, unit, unit_key):
    client.force_login(officer)
    _dispatch(client, hit, "은평12")
    client.logout()
    for status in ("en_route", "on_scene"):
        response = _status(client, "은평12", unit_key, status)
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["assignment"]) == (status, str(hit.id))
        hit.refresh_from_db()
        assert hit.dispatch_status == status
    closed = _status(client, "은평12", unit_key, "arrested")
    assert (closed.json()["status"], closed.json()["assignment"]) == ("available", None)
    hit.refresh_from_db()
    assert (hit.dispatch_status, hit.dispatched_unit) == ("arrested", "은평12")


def test_a_terminal_cannot_leave_an_assignment_without_closing_it(client, officer, hit, unit, unit_key):
    assert _status(client, "은평12", unit_key, "on_scene").status_code == 409  # nothing to report on yet
    assert _status(client, "은평12", unit_key, "off_duty").status_code == 200
    assert _status(client, "은평12", unit_key, "available").status_code == 200
    client.force_login(officer)
    _dispatch(client, hit, "은평12")
    client.logout()
    assert _status(client, "은평12", unit_key, "off_duty").status_code == 409
    assert _status(client, "은평12", unit_key, "lost_contact").status_code == 200
    assert _status(client, "은평12", unit_key, "off_duty").status_code == 200


def test_a_status_is_refused_for_another_unit_or_a_bad_value(client, unit, other_unit, unit_key, agency, terminal):
    assert _status(client, "은평13", unit_key, "off_duty").status_code == 403
    response = _status(client, "은평12", unit_key, "asleep")
    assert response.status_code == 400
    assert "status" in response.json()["errors"]
    other_unit.refresh_from_db()
    assert other_unit.status == PatrolUnit.Status.AVAILABLE


def test_a_unit_key_belongs_to_an_officer_of_the_units_agency(unit, other_officer, operator):
    from accounts.services import ApiKeyError

    for person in (other_officer, operator):
        with pytest.raises(ApiKeyError):
            unit_key_make(unit=unit, user=person)


def test_the_assignment_photo_is_served_to_the_units_terminal_only(
    client, settings, tmp_path, officer, order, camera, unit, unit_key, other_unit, terminal
):
    settings.MEDIA_ROOT = tmp_path
    hit = sighting_make(order, camera, photos=True)
    other_key = unit_key_make(unit=other_unit, user=terminal)
    url = reverse("unit-assignment-photo", args=["은평12", "plate"])
    assert client.get(url, **bearer(unit_key)).status_code == 404  # no assignment yet
    client.force_login(officer)
    _dispatch(client, hit, "은평12")
    client.logout()
    response = client.get(url, **bearer(unit_key))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
    assert client.get(url, **bearer(other_key)).status_code == 403
    assert Sighting.objects.get(pk=hit.id).dispatched_unit == "은평12"
