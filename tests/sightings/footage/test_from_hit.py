"""Footage asked for where the officer looks at a hit (the dashboard's card, the order's sightings), and the
centre deciding it: form filled in from the hit, status shown afterwards, decisions answered by a redirect."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from sightings.footage.services import ALLOWED_EXTENSIONS
from sightings.models import FootageRequest
from tests.factories import footage_request_make
from tests.sightings.footage.helpers import make_sighting

pytestmark = pytest.mark.django_db


def test_the_form_opened_from_a_hit_is_filled_in_from_it(client, officer, order, camera):
    sighting = make_sighting(order, camera)
    client.force_login(officer)
    response = client.get(reverse("sightings:footage-new"), {"sighting": sighting.id})
    form = response.context["form"]
    seen = timezone.localtime(sighting.seen_at)
    assert form["order"].value() == order.id
    assert str(form["sighting"].value()) == str(sighting.id)
    assert form["case_number"].value() == order.case_number
    page = response.content.decode()
    assert (seen - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M") in page
    assert (seen + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M") in page
    assert 'data-testid="footage-existing"' not in page


def test_the_form_says_when_footage_was_already_asked_for(client, officer, order, camera):
    sighting = make_sighting(order, camera)
    existing = footage_request_make(order=order, camera=camera, requested_by=officer, sighting=sighting)
    client.force_login(officer)
    page = client.get(reverse("sightings:footage-new"), {"sighting": sighting.id}).content.decode()
    assert 'data-testid="footage-existing"' in page
    assert reverse("sightings:footage-detail", args=[existing.id]) in page


def test_the_api_lists_the_requests_about_one_sighting_for_the_agency_only(
    client, officer, other_officer, order, camera
):
    sighting, other = make_sighting(order, camera), make_sighting(order, camera)
    asked = footage_request_make(order=order, camera=camera, requested_by=officer, sighting=sighting)
    footage_request_make(order=order, camera=camera, requested_by=officer, sighting=other)
    client.force_login(officer)
    results = client.get("/api/v1/footage-requests/", {"sighting": str(sighting.id)}).json()["results"]
    assert [(r["id"], r["sighting"], r["status"]) for r in results] == [(str(asked.id), str(sighting.id), "pending")]
    client.force_login(other_officer)
    assert client.get("/api/v1/footage-requests/", {"sighting": str(sighting.id)}).json()["results"] == []
    bad = client.get("/api/v1/footage-requests/", {"sighting": "not-an-id"})
    assert bad.status_code == 400 and "sighting" in bad.json()["errors"]


def test_the_order_sightings_offer_footage_or_show_the_request(client, officer, other_officer, order, camera):
    asked_about, not_yet = make_sighting(order, camera), make_sighting(order, camera)
    request = footage_request_make(order=order, camera=camera, requested_by=officer, sighting=asked_about)
    client.force_login(officer)
    page = client.get(reverse("sightings:order-detail", args=[order.id])).content.decode()
    assert f"{reverse('sightings:footage-new')}?sighting={not_yet.id}" in page
    assert f"?sighting={asked_about.id}" not in page
    assert reverse("sightings:footage-detail", args=[request.id]) in page
    # Another agency's officer follows the order but may not ask for its footage.
    client.force_login(other_officer)
    page = client.get(reverse("sightings:order-detail", args=[order.id])).content.decode()
    assert 'data-testid="request-footage"' not in page
    assert reverse("sightings:footage-detail", args=[request.id]) not in page


def test_a_hit_tells_the_dashboard_which_agency_may_ask_for_footage(client, officer, order, camera):
    from tests.sightings.live.helpers import make_hit
    from tests.sightings.test_dashboard_pages import dashboard_data

    make_hit(order, camera)
    client.force_login(officer)
    data = dashboard_data(client.get(reverse("home")))
    assert data["agency"] == str(officer.agency_id)
    assert data["hits"][0]["agency"] == str(order.agency_id)


def test_a_refused_denial_redirects_to_the_request_with_the_reason(client, officer, operator, order, camera):
    request = footage_request_make(order=order, camera=camera, requested_by=officer)
    client.force_login(operator)
    response = client.post(reverse("sightings:footage-deny", args=[request.id]), {"reason": ""}, follow=True)
    assert response.redirect_chain == [(reverse("sightings:footage-detail", args=[request.id]), 303)]
    assert "Give the reason for the denial." in response.content.decode()
    request.refresh_from_db()
    assert request.is_pending


def test_deciding_redirects_so_a_reload_sends_nothing_again(client, officer, operator, order, camera):
    request = footage_request_make(order=order, camera=camera, requested_by=officer)
    client.force_login(operator)
    url = reverse("sightings:footage-deny", args=[request.id])
    response = client.post(url, {"reason": "No recording kept for that hour."})
    assert response.status_code == 303
    assert response["Location"] == reverse("sightings:footage-detail", args=[request.id])
    page = client.get(response["Location"]).content.decode()
    assert "Denied. The officer has been told the reason." in page
    assert 'data-footage-url="' + reverse("sightings:footage-detail", args=[request.id]) in page
    # The same POST again (a resubmitted form) changes nothing and says why.
    again = client.post(url, {"reason": "Another reason"}, follow=True)
    assert "already been decided" in again.content.decode()
    request.refresh_from_db()
    assert request.deny_reason == "No recording kept for that hour."


def test_the_upload_hint_names_exactly_the_accepted_files(client, officer, operator, order, camera):
    request = footage_request_make(order=order, camera=camera, requested_by=officer)
    client.force_login(operator)
    response = client.get(reverse("sightings:footage-detail", args=[request.id]))
    page = response.content.decode()
    assert f'accept="{",".join(ALLOWED_EXTENSIONS)}"' in page
    hint = page.split('data-testid="upload-hint">', 1)[1].split("</span>", 1)[0]
    assert all(extension in hint for extension in ALLOWED_EXTENSIONS)
    assert f"{settings.FOOTAGE_MAX_FILE_BYTES // (1024 * 1024)} MB" in hint


def test_the_centre_dashboard_shows_waiting_requests_with_age_and_escalation(
    client, officer, operator, order, camera, other_camera
):
    now = timezone.now()
    limit = settings.FOOTAGE_URGENT_ESCALATE_MINUTES
    fresh = footage_request_make(order=order, camera=camera, requested_by=officer, urgent=True)
    FootageRequest.objects.filter(pk=fresh.pk).update(created_at=now - dt.timedelta(minutes=3))
    overdue = footage_request_make(order=order, camera=camera, requested_by=officer, urgent=True)
    FootageRequest.objects.filter(pk=overdue.pk).update(created_at=now - dt.timedelta(minutes=limit + 5))
    routine = footage_request_make(order=order, camera=camera, requested_by=officer)
    decided = footage_request_make(order=order, camera=camera, requested_by=officer, status="denied", deny_reason="x")
    elsewhere = footage_request_make(order=order, camera=other_camera, requested_by=officer, urgent=True)
    client.force_login(operator)
    page = client.get(reverse("home")).content.decode()
    queue = page.split('data-testid="footage-queue"', 1)[1].split("</section>", 1)[0]
    assert 'data-testid="footage-queue-count">3<' in queue
    for shown in (fresh, overdue, routine):
        assert str(shown.id) in queue
    assert str(decided.id) not in queue and str(elsewhere.id) not in queue
    row = queue.split(f'data-footage-id="{fresh.id}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-escalation="waiting"' in row and f"escalates in {limit - 3} min" in row
    assert "3\xa0minutes ago" in row
    assert 'data-escalation="due"' in queue.split(f'data-footage-id="{overdue.id}"', 1)[1]
