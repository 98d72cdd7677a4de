"""The footage pages: the officer's form and list, the centre's queue and its approve and deny forms."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from audit.models import DisclosureEntry
from sightings.models import FootageRequest
from tests.factories import footage_request_make
from tests.queries import access_log_queries
from tests.sightings.footage.helpers import jpeg_upload, make_sighting


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def sighting(order, camera):
    return make_sighting(order, camera)


@pytest.fixture
def pending(order, camera, officer, sighting) -> FootageRequest:
    return footage_request_make(order=order, camera=camera, requested_by=officer, sighting=sighting, urgent=True)


def detail(footage_request: FootageRequest, action: str = "") -> str:
    return f"/footage/{footage_request.pk}/" + (f"{action}/" if action else "")


class TestRequestForm:
    def test_it_requests_footage_about_a_sighting(self, client, officer, sighting):
        client.force_login(officer)
        page = client.get(f"/footage/new/?sighting={sighting.pk}")
        assert page.status_code == 200
        assert "12가3456" in page.content.decode()
        response = client.post(
            "/footage/new/",
            {"sighting": sighting.pk, "order": sighting.order_id, "purpose": "Escape route", "urgent": "on"},
        )
        footage_request = FootageRequest.objects.get()
        assert response.status_code == 302 and response["Location"] == detail(footage_request)
        assert footage_request.urgent and footage_request.camera_id == sighting.camera_id

    def test_it_requests_footage_of_a_camera_by_its_code(self, client, officer, order, other_camera):
        client.force_login(officer)
        start = timezone.localtime() - dt.timedelta(hours=1)
        response = client.post(
            "/footage/new/",
            {
                "order": order.pk,
                "municipality": other_camera.municipality_id,
                "camera_code": other_camera.code,
                "window_start": start.strftime("%Y-%m-%dT%H:%M"),
                "window_end": (start + dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"),
                "purpose": "Route",
            },
        )
        assert response.status_code == 302
        assert FootageRequest.objects.get().municipality == other_camera.municipality

    def test_it_shows_what_is_wrong_and_keeps_nothing(self, client, officer, order, camera):
        client.force_login(officer)
        response = client.post(
            "/footage/new/", {"order": order.pk, "municipality": camera.municipality_id, "camera_code": camera.code}
        )
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert "purpose" in errors
        response = client.post(
            "/footage/new/",
            {"order": order.pk, "municipality": camera.municipality_id, "camera_code": camera.code, "purpose": "x"},
        )
        assert "window_start" in response.context["form"].errors
        assert not FootageRequest.objects.exists()

    def test_it_offers_only_the_agencys_active_orders(self, client, other_officer, sighting):
        client.force_login(other_officer)
        assert client.get(f"/footage/new/?sighting={sighting.pk}").status_code == 404
        response = client.post(
            "/footage/new/", {"order": sighting.order_id, "camera": sighting.camera_id, "purpose": "x"}
        )
        assert "order" in response.context["form"].errors
        assert not FootageRequest.objects.exists()

    @pytest.mark.parametrize("who", ["operator", "auditor"])
    def test_it_is_for_officers_only(self, client, request, who):
        client.force_login(request.getfixturevalue(who))
        assert client.get("/footage/new/").status_code == 403


class TestLists:
    def test_officers_see_their_agencys_requests(
        self, client, officer, other_officer, pending, django_assert_num_queries
    ):
        client.force_login(officer)
        # Session, user, the page's ids (from the list's index), the requests of the page, the header's agency
        # name, and the session saved (three).
        with django_assert_num_queries(8 + access_log_queries()):
            page = client.get("/footage/")
        assert page.status_code == 200 and pending.case_number in page.content.decode()
        assert "Footage requests" in page.content.decode() or "영상" in page.content.decode()
        client.force_login(other_officer)
        assert pending.case_number not in client.get("/footage/").content.decode()

    def test_operators_see_their_queue_urgent_first(
        self, client, operator, other_operator, order, camera, officer, pending, django_assert_num_queries
    ):
        for _ in range(3):
            footage_request_make(order=order, camera=camera, requested_by=officer)
        client.force_login(operator)
        # As above, with the header's municipality and province names instead of the agency's.
        with django_assert_num_queries(9 + access_log_queries()):
            page = client.get("/footage/")
        assert page.context["requests"][0] == pending
        client.force_login(other_operator)
        assert client.get("/footage/").context["requests"] == []

    def test_a_bad_page_position_is_refused_naming_it(self, client, officer, pending):
        client.force_login(officer)
        for after in (
            "yesterday",
            "11_0_0_nope",
            "21_1_2_" + str(pending.pk),
            "11_9" + "9" * 30 + "_0_" + str(pending.pk),
        ):
            refused = client.get("/footage/", {"after": after}, HTTP_ACCEPT_LANGUAGE="en")
            assert refused.status_code == 400 and b"after" in refused.content, after

    def test_auditors_are_refused(self, client, auditor, pending):
        client.force_login(auditor)
        assert client.get("/footage/").status_code == 403
        assert client.get(detail(pending)).status_code == 403

    def test_outsiders_get_not_found(self, client, other_officer, other_operator, pending):
        for user in (other_officer, other_operator):
            client.force_login(user)
            assert client.get(detail(pending)).status_code == 404


class TestDecisionForms:
    def test_the_operator_sees_both_forms_and_approves_with_a_file(self, client, operator, pending):
        client.force_login(operator)
        page = client.get(detail(pending))
        assert page.context["may_decide"] is True
        response = client.post(detail(pending, "approve"), {"files": [jpeg_upload()], "attach_sighting_photos": "on"})
        assert response.status_code == 303 and response["Location"] == detail(pending)
        pending.refresh_from_db()
        assert pending.status == "approved" and pending.files.count() == 3
        assert DisclosureEntry.objects.count() == 1

    def test_the_requester_sees_download_links_the_operator_does_not(self, client, operator, officer, pending):
        client.force_login(operator)
        client.post(detail(pending, "approve"), {"files": [jpeg_upload()]})
        assert client.get(detail(pending)).context["may_download"] is False
        client.force_login(officer)
        page = client.get(detail(pending))
        assert page.context["may_download"] is True
        assert f"/api/v1/footage-requests/{pending.pk}/footage/" in page.content.decode()

    def test_an_approval_without_files_is_refused_on_the_request_page(self, client, operator, pending):
        client.force_login(operator)
        response = client.post(detail(pending, "approve"), {}, follow=True)
        assert response.redirect_chain == [(detail(pending), 303)]
        assert "Attach at least one file" in response.content.decode()
        assert response.context["may_decide"] is True
        pending.refresh_from_db()
        assert pending.is_pending and not DisclosureEntry.objects.exists()

    def test_a_denial_needs_a_reason(self, client, operator, pending):
        client.force_login(operator)
        response = client.post(detail(pending, "deny"), {"reason": " "}, follow=True)
        assert response.redirect_chain == [(detail(pending), 303)]
        assert "Give the reason for the denial." in response.content.decode()
        pending.refresh_from_db()
        assert pending.is_pending
        assert client.post(detail(pending, "deny"), {"reason": "Nothing recorded"}).status_code == 303
        pending.refresh_from_db()
        assert pending.status == "denied" and pending.deny_reason == "Nothing recorded"

    @pytest.mark.parametrize(("who", "status"), [("officer", 403), ("auditor", 403), ("other_operator", 404)])
    def test_only_the_municipalitys_operators_decide(self, client, request, pending, who, status):
        client.force_login(request.getfixturevalue(who))
        assert client.post(detail(pending, "approve"), {"files": [jpeg_upload()]}).status_code == status
        assert client.post(detail(pending, "deny"), {"reason": "no"}).status_code == status
        pending.refresh_from_db()
        assert pending.is_pending and not DisclosureEntry.objects.exists()

    def test_a_decided_request_says_so(self, client, operator, pending):
        client.force_login(operator)
        client.post(detail(pending, "deny"), {"reason": "no"})
        response = client.post(detail(pending, "approve"), {"files": [jpeg_upload()]}, follow=True)
        assert response.status_code == 200
        assert not DisclosureEntry.objects.exists()
        assert response.context["may_decide"] is False
