"""The one layer that records: a person's every request is one access-log entry, with what it showed.

The access matrix (tests/test_access_matrix.py) checks "exactly one entry" for every endpoint and role; these
tests check what the entry says, and the paths the matrix does not walk: the admin, a person's own API key,
the live-alert socket, and an access log that cannot be written.
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.db import OperationalError
from django.db.models import Max
from django.test import Client
from django.urls import reverse

from accounts.services import api_key_create
from audit.models import AccessLogEntry
from tests.sightings.footage.helpers import make_sighting
from tests.sightings.live.helpers import open_socket, session_headers


def entries_after(sequence: int) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(sequence__gt=sequence).order_by("sequence"))


def last_sequence() -> int:
    return AccessLogEntry.objects.aggregate(last=Max("sequence"))["last"] or 0


def test_a_list_of_sightings_records_how_many_were_shown_and_the_plate(client, officer, order, camera):
    for _ in range(3):
        make_sighting(order, camera)
    client.force_login(officer)
    before = last_sequence()
    response = client.get(reverse("sightings"), {"order": str(order.id)})
    assert response.status_code == 200
    [entry] = entries_after(before)
    assert (entry.actor_id, entry.role, entry.agency_id) == (officer.pk, "officer", officer.agency_id)
    assert entry.object_type == "sighting"
    assert entry.shown == 3
    assert entry.plate == order.plate
    assert entry.filters == f"order={order.id}"
    assert entry.outcome == AccessLogEntry.Outcome.ALLOWED
    assert entry.path == reverse("sightings")  # the query string is kept apart, in filters


def test_a_plate_search_that_matched_nothing_leaves_no_plate_in_the_log(client, officer, order):
    client.force_login(officer)
    before = last_sequence()
    response = client.get(reverse("orders"), {"plate": "99가9999"})
    assert response.status_code == 200
    [entry] = entries_after(before)
    assert entry.shown == 0
    assert "9999" not in entry.filters and "9999" not in entry.plate and "9999" not in entry.path
    assert entry.filters == "plate=(matched nothing)"


def test_a_look_at_one_order_names_it_and_its_plate(client, officer, order):
    client.force_login(officer)
    before = last_sequence()
    assert client.get(reverse("sightings:order-detail", args=[order.id])).status_code == 200
    [entry] = entries_after(before)
    assert (entry.object_type, entry.object_id, entry.plate, entry.shown) == (
        "wantedorder",
        str(order.id),
        order.plate,
        1,
    )


def test_another_tenants_object_is_recorded_as_not_found_with_the_refusal(client, other_operator, order, camera):
    sighting = make_sighting(order, camera)
    client.force_login(other_operator)
    before = last_sequence()
    assert client.get(reverse("sighting", args=[sighting.id])).status_code == 404
    [entry] = entries_after(before)
    assert entry.outcome == AccessLogEntry.Outcome.NOT_FOUND
    assert entry.municipality_id == other_operator.municipality_id
    assert entry.plate == "" and entry.shown is None  # nothing was shown
    assert entry.reason


def test_a_refusal_keeps_its_reason(client, operator, order):
    client.force_login(operator)
    before = last_sequence()
    assert client.get(reverse("orders")).status_code == 403
    [entry] = entries_after(before)
    assert entry.outcome == AccessLogEntry.Outcome.DENIED
    assert entry.reason == "Only police officers work with wanted orders."


def test_a_persons_own_key_is_recorded_as_that_person_with_the_key(client, officer, order):
    api_key, raw = api_key_create(name="laptop", user=officer, scope="api")
    before = last_sequence()
    response = client.get(reverse("orders"), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    [entry] = entries_after(before)
    assert entry.actor_id == officer.pk
    assert entry.actor_label == f"{officer.username} (key:{api_key.prefix})"


def test_an_integration_key_is_counted_not_logged_per_request(client, municipality, camera):
    _, raw = api_key_create(name="centre", municipality=municipality, scope="reads")
    before = last_sequence()
    response = client.post(
        reverse("reads"), data={"reads": []}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code in (202, 400)
    assert entries_after(before) == []


def test_every_admin_view_is_one_entry(client, admin_user, officer):
    client.force_login(admin_user)
    before = last_sequence()
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_user_change", args=[officer.pk])).status_code == 200
    entries = entries_after(before)
    assert len(entries) == 3
    assert [entry.action for entry in entries] == ["admin-index", "admin-list", "admin-view"]
    assert entries[1].object_type == "user"
    assert entries[2].object_id == str(officer.pk)


def test_a_person_who_is_not_staff_is_refused_at_the_admin_on_record(client, officer):
    client.force_login(officer)
    before = last_sequence()
    assert client.get(reverse("admin:index")).status_code == 302
    [entry] = entries_after(before)
    assert entry.outcome == AccessLogEntry.Outcome.DENIED


def test_signing_out_everywhere_is_recorded_as_the_person_who_did_it(client, officer):
    client.force_login(officer)
    before = last_sequence()
    assert client.post(reverse("logout-everywhere")).status_code == 302
    [entry] = entries_after(before)
    assert (entry.actor_id, entry.action) == (officer.pk, "logout-everywhere")


def test_without_an_access_log_there_is_no_answer(officer, order, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(officer)

    def unavailable(**kwargs):
        raise OperationalError("the access log is unavailable")

    monkeypatch.setattr("audit.services.access_entry_write", unavailable)
    response = client.get(reverse("sightings:order-detail", args=[order.id]))
    assert response.status_code == 503
    assert order.plate not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_live_alert_subscription_is_recorded(officer, auditor):
    async def connect(headers) -> bool:
        communicator, connected, _ = await open_socket(headers)
        await communicator.disconnect()
        return connected

    officer_headers, auditor_headers = session_headers(officer), session_headers(auditor)
    before = last_sequence()
    assert async_to_sync(connect)(officer_headers)
    assert not async_to_sync(connect)(auditor_headers)
    subscribed, refused = entries_after(before)
    assert (subscribed.actor_id, subscribed.action, subscribed.object_type) == (officer.pk, "subscribe", "alerts")
    assert subscribed.outcome == AccessLogEntry.Outcome.ALLOWED
    assert "officers" in subscribed.filters
    assert (refused.actor_id, refused.outcome) == (auditor.pk, AccessLogEntry.Outcome.DENIED)


def test_a_new_order_is_recorded_as_created_with_its_id_and_plate(client, officer):
    client.force_login(officer)
    before = last_sequence()
    response = client.post(
        reverse("orders"),
        data={
            "plate": "34나5678",
            "crime": "robbery",
            "legal_basis": "18-2-7",
            "case_number": "2026-TEST-0001",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    [entry] = entries_after(before)
    assert (entry.action, entry.object_type, entry.object_id, entry.plate) == (
        "create",
        "wantedorder",
        response.json()["id"],
        "34나5678",
    )


def test_the_auditor_reads_the_entries_in_words(client, officer, auditor, order, settings):
    officer_client = Client()
    officer_client.force_login(officer)
    officer_client.get(reverse("sightings:order-detail", args=[order.id]))
    client.force_login(auditor)
    page = client.get(reverse("audit:access-log"), {"person": officer.username}).content.decode()
    assert "viewed" in page and "wanted order" in page.lower()
    korean = client.get(reverse("audit:access-log"), {"person": officer.username}, HTTP_ACCEPT_LANGUAGE="ko")
    assert "조회" in korean.content.decode()
