"""Live views through the API: an officer asks, the camera's centre approves for a time or denies, the officer's
player gets signed stream addresses, either side ends the session, and the ledger records start, end and viewers."""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.urls import reverse
from django.utils import timezone

from audit import chain
from audit.ledger import stored_links
from audit.models import DisclosureEntry
from sightings.live import alerts
from sightings.live_views import services as live_services
from sightings.live_views import stream_signing
from sightings.models import LiveVideoServer, LiveView, LiveViewViewer
from sightings.tasks import live_views_expire
from tests.factories import sighting_make
from tests.sightings.live_views.helpers import (
    VIDEO_BASE,
    approved_make,
    live_view_make,
    urgent_order_make,
    video_server_make,
)

LIST_URL = "/api/v1/live-views/"


def url(live_view: LiveView, action: str = "") -> str:
    return f"{LIST_URL}{live_view.pk}/" + (f"{action}/" if action else "")


@pytest.fixture
def urgent(officer):
    return urgent_order_make(officer)


@pytest.fixture
def secret(municipality) -> bytes:
    return video_server_make(municipality)


@pytest.fixture
def requested(officer, urgent, camera):
    return live_view_make(officer=officer, order=urgent, camera=camera)


@pytest.fixture
def approved(officer, operator, urgent, camera, secret):
    return approved_make(officer=officer, operator=operator, order=urgent, camera=camera)


def listen(group: str) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return channel


def received(channel: str) -> dict:
    return async_to_sync(get_channel_layer().receive)(channel)


def post(client, path: str, data: dict | None = None):
    return client.post(path, data=data or {}, content_type="application/json")


def assert_error(response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    if field:
        assert field in body["errors"], body


# --- Asking ------------------------------------------------------------------------------------------------


class TestRequest:
    def test_it_addresses_the_request_to_the_cameras_centre_live(
        self, client, officer, urgent, camera, django_capture_on_commit_callbacks
    ):
        channel = listen(alerts.municipality_group("11380"))
        client.force_login(officer)
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, LIST_URL, {"order": str(urgent.pk), "camera": str(camera.pk), "reason": "추적"})
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == "requested" and body["municipality"] == "11380"
        assert body["camera"]["code"] == camera.code and body["requested_by"] == "officer"
        frame = received(channel)
        assert frame["type"] == alerts.LIVE_VIEW_UPDATE
        assert frame["payload"] == {**frame["payload"], "id": body["id"], "status": "requested", "type": "live_view"}

    def test_it_takes_the_camera_and_order_from_a_sighting(self, client, officer, urgent, camera):
        sighting = sighting_make(urgent, camera)
        client.force_login(officer)
        response = post(client, LIST_URL, {"sighting": str(sighting.pk), "reason": "추적"})
        assert response.status_code == 201
        assert response.json()["sighting"] == str(sighting.pk)
        assert response.json()["order"] == str(urgent.pk)

    def test_it_refuses_an_order_that_is_not_urgent(self, client, officer, order, camera):
        client.force_login(officer)
        response = post(client, LIST_URL, {"order": str(order.pk), "camera": str(camera.pk), "reason": "추적"})
        assert_error(response, 400, "order")
        assert "urgent" in response.json()["errors"]["order"][0]
        assert not LiveView.objects.exists()

    def test_it_refuses_an_urgent_order_that_is_no_longer_active(self, client, officer, camera):
        closed = urgent_order_make(officer, status="resolved")
        client.force_login(officer)
        response = post(client, LIST_URL, {"order": str(closed.pk), "camera": str(camera.pk), "reason": "추적"})
        assert_error(response, 400, "order")

    def test_it_refuses_an_officer_of_another_agency_as_if_the_order_were_not_there(
        self, client, other_officer, urgent, camera
    ):
        client.force_login(other_officer)
        response = post(client, LIST_URL, {"order": str(urgent.pk), "camera": str(camera.pk), "reason": "추적"})
        assert_error(response, 400, "order")
        assert not LiveView.objects.exists()

    @pytest.mark.parametrize("role", ["operator", "auditor", "admin_user"])
    def test_only_officers_ask(self, request, client, urgent, camera, role):
        client.force_login(request.getfixturevalue(role))
        response = post(client, LIST_URL, {"order": str(urgent.pk), "camera": str(camera.pk), "reason": "추적"})
        assert_error(response, 403)

    def test_it_refuses_a_second_open_request_for_the_same_camera(self, client, officer, urgent, camera, requested):
        client.force_login(officer)
        response = post(client, LIST_URL, {"order": str(urgent.pk), "camera": str(camera.pk), "reason": "또"})
        assert_error(response, 400, "camera")

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({}, "reason"),
            ({"reason": "x"}, "camera"),
            ({"reason": "x", "camera": "not-a-uuid", "order": "also-not"}, "camera"),
            ({"reason": "", "camera": "00000000-0000-0000-0000-000000000000"}, "reason"),
            ({"reason": "x", "camera": "00000000-0000-0000-0000-000000000000", "order": None}, "order"),
            ({"reason": "x" * 2001, "sighting": "00000000-0000-0000-0000-000000000000"}, "reason"),
            ({"reason": "x", "sighting": "00000000-0000-0000-0000-000000000000"}, "sighting"),
            ({"reason": "x", "camera": "00000000-0000-0000-0000-000000000000", "order": "ORDER"}, "camera"),
            ({"reason": "x", "camera": "CAMERA", "order": "ORDER", "unit": "없는-호출부호"}, "unit"),
        ],
    )
    def test_bad_input_is_a_400_naming_the_field(self, client, officer, urgent, camera, data, field):
        data = {
            key: (str(urgent.pk) if value == "ORDER" else str(camera.pk) if value == "CAMERA" else value)
            for key, value in data.items()
        }
        client.force_login(officer)
        assert_error(post(client, LIST_URL, data), 400, field)

    def test_a_body_that_is_not_json_is_a_400(self, client, officer):
        client.force_login(officer)
        response = client.post(LIST_URL, data="{not json", content_type="application/json")
        assert_error(response, 400)


# --- Deciding ----------------------------------------------------------------------------------------------


class TestDecide:
    def test_the_centre_approves_for_the_minutes_it_picks_and_the_ledger_records_it(
        self, client, operator, requested, secret, django_capture_on_commit_callbacks
    ):
        officer_channel = listen(alerts.user_group(requested.requested_by_id))
        client.force_login(operator)
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, url(requested, "approve"), {"minutes": 20})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "approved" and body["decided_by"] == "operator"
        until = dt.datetime.fromisoformat(body["approved_until"])
        assert dt.timedelta(minutes=19) < until - timezone.now() <= dt.timedelta(minutes=20)
        entry = DisclosureEntry.objects.get()
        assert entry.kind == DisclosureEntry.Kind.LIVE and entry.live_view_id == requested.pk
        assert entry.approver == operator and entry.requester_id == requested.requested_by_id
        assert entry.window_start == requested.__class__.objects.get(pk=requested.pk).decided_at
        assert entry.window_end == until and entry.legal_basis == "18-2-3"
        frame = received(officer_channel)
        assert frame["payload"]["status"] == "approved" and frame["payload"]["id"] == str(requested.pk)

    def test_approval_defaults_to_thirty_minutes(self, client, operator, requested, secret):
        client.force_login(operator)
        body = post(client, url(requested, "approve")).json()
        until = dt.datetime.fromisoformat(body["approved_until"])
        assert dt.timedelta(minutes=29) < until - timezone.now() <= dt.timedelta(minutes=30)

    def test_approval_above_what_the_order_allows_is_a_400_naming_minutes(self, client, operator, requested):
        client.force_login(operator)
        assert_error(post(client, url(requested, "approve"), {"minutes": 61}), 400, "minutes")
        requested.refresh_from_db()
        assert requested.status == LiveView.Status.REQUESTED and not DisclosureEntry.objects.exists()

    def test_the_cap_is_also_the_time_the_order_has_left(self, client, officer, operator, camera):
        soon = urgent_order_make(officer, plate="68보1029", expires_in=dt.timedelta(minutes=12, seconds=30))
        live_view = live_view_make(officer=officer, order=soon, camera=camera)
        client.force_login(operator)
        response = post(client, url(live_view, "approve"), {"minutes": 15})
        assert_error(response, 400, "minutes")
        assert "12" in response.json()["errors"]["minutes"][0]
        assert post(client, url(live_view, "approve"), {"minutes": 12}).status_code == 200

    @pytest.mark.parametrize("minutes", [0, -5, "ten", None, 10**9])
    def test_a_nonsense_duration_is_a_400_naming_minutes(self, client, operator, requested, minutes):
        client.force_login(operator)
        assert_error(post(client, url(requested, "approve"), {"minutes": minutes}), 400, "minutes")

    def test_the_centre_denies_with_a_reason_the_officer_is_told(
        self, client, operator, requested, django_capture_on_commit_callbacks
    ):
        officer_channel = listen(alerts.user_group(requested.requested_by_id))
        client.force_login(operator)
        assert_error(post(client, url(requested, "deny"), {"reason": ""}), 400, "reason")
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, url(requested, "deny"), {"reason": "해당 카메라 점검 중"})
        assert response.json()["status"] == "denied" and response.json()["deny_reason"] == "해당 카메라 점검 중"
        assert received(officer_channel)["payload"]["status"] == "denied"
        assert not DisclosureEntry.objects.exists()

    def test_an_operator_of_another_municipality_does_not_see_the_request(self, client, other_operator, requested):
        client.force_login(other_operator)
        assert_error(post(client, url(requested, "approve"), {"minutes": 10}), 404)
        assert_error(client.get(url(requested)), 404)

    def test_the_requester_can_never_approve(self, client, officer, requested):
        client.force_login(officer)
        assert_error(post(client, url(requested, "approve"), {"minutes": 10}), 403)
        assert_error(post(client, url(requested, "deny"), {"reason": "x"}), 403)

    def test_an_operator_who_asked_cannot_decide_either(self, operator, requested):
        # Separation of duties holds in the service too, whatever the caller checked before.
        LiveView.objects.filter(pk=requested.pk).update(requested_by=operator)
        with pytest.raises(live_services.LiveViewForbidden):
            live_services.live_view_approve(live_view=requested, approved_by=operator)

    @pytest.mark.parametrize("role", ["auditor", "admin_user"])
    def test_auditors_and_administrators_see_nothing_live(self, request, client, requested, role):
        client.force_login(request.getfixturevalue(role))
        assert_error(client.get(url(requested)), 403)
        assert_error(client.get(LIST_URL), 403)

    def test_a_decided_request_cannot_be_decided_again(self, client, operator, approved):
        client.force_login(operator)
        assert_error(post(client, url(approved, "approve"), {"minutes": 10}), 409)
        assert_error(post(client, url(approved, "deny"), {"reason": "x"}), 409)
        assert DisclosureEntry.objects.count() == 1

    def test_a_request_nobody_decided_in_time_lapses(self, client, operator, requested, settings):
        LiveView.objects.filter(pk=requested.pk).update(
            created_at=timezone.now() - dt.timedelta(minutes=settings.LIVE_VIEW_PENDING_MINUTES + 1)
        )
        client.force_login(operator)
        assert_error(post(client, url(requested, "approve"), {"minutes": 10}), 409)
        assert live_views_expire() == 1
        requested.refresh_from_db()
        assert requested.status == LiveView.Status.EXPIRED and not DisclosureEntry.objects.exists()

    def test_the_order_closing_before_the_decision_refuses_the_approval(self, client, operator, requested, urgent):
        urgent.status = "cancelled"
        urgent.save(update_fields=["status"])
        client.force_login(operator)
        assert_error(post(client, url(requested, "approve"), {"minutes": 10}), 400, "order")


# --- Watching ----------------------------------------------------------------------------------------------


class TestStream:
    def test_the_requester_gets_a_signed_expiring_address_the_centre_can_verify(
        self, client, officer, approved, secret, settings
    ):
        client.force_login(officer)
        response = client.get(url(approved, "stream"))
        assert response.status_code == 200, response.content
        assert response["Cache-Control"] == "no-store"
        body = response.json()
        parts = urlsplit(body["url"])
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{VIDEO_BASE}/live/{approved.camera.code}/index.m3u8"
        grant, name = stream_signing.verify_request(secret, path=parts.path, query_string=parts.query, prefix="/11380")
        assert grant.view == str(approved.pk) and name == "index.m3u8"
        assert grant.expires - time.time() <= settings.LIVE_VIEW_LINK_SECONDS + 1
        assert body["refresh_after_seconds"] < settings.LIVE_VIEW_LINK_SECONDS

    def test_each_fetch_is_a_recorded_view(self, client, officer, approved):
        client.force_login(officer)
        client.get(url(approved, "stream"))
        client.get(url(approved, "stream"))
        viewer = LiveViewViewer.objects.get(live_view=approved)
        assert viewer.user == officer and viewer.fetches == 2
        approved.refresh_from_db()
        assert approved.started_at == viewer.first_at

    def test_the_address_never_outlives_the_approval(self, client, officer, operator, urgent, camera, secret):
        short = approved_make(officer=officer, operator=operator, order=urgent, camera=camera, minutes=1)
        client.force_login(officer)
        query = parse_qs(urlsplit(client.get(url(short, "stream")).json()["url"]).query)
        short.refresh_from_db()
        assert int(query["exp"][0]) <= short.approved_until.timestamp() + 1

    def test_an_expired_approval_refuses_the_stream_with_410_and_closes_the_session(self, client, officer, approved):
        client.force_login(officer)
        client.get(url(approved, "stream"))
        LiveView.objects.filter(pk=approved.pk).update(approved_until=timezone.now() - dt.timedelta(seconds=1))
        assert_error(client.get(url(approved, "stream")), 410)
        approved.refresh_from_db()
        assert approved.status == LiveView.Status.EXPIRED
        assert approved.ended_at == approved.approved_until
        end = DisclosureEntry.objects.get(kind=DisclosureEntry.Kind.LIVE_END)
        assert end.window_end == approved.approved_until
        assert [viewer["user"] for viewer in end.viewers] == ["officer"]
        assert_error(client.get(url(approved, "stream")), 410)

    def test_beat_closes_an_expired_session_without_any_fetch(self, approved):
        LiveView.objects.filter(pk=approved.pk).update(approved_until=timezone.now() - dt.timedelta(seconds=1))
        assert live_views_expire.delay().get() == 1
        assert live_views_expire() == 0
        assert DisclosureEntry.objects.filter(kind=DisclosureEntry.Kind.LIVE_END).count() == 1

    def test_the_session_ends_when_its_order_closes(self, approved, urgent):
        urgent.status = "resolved"
        urgent.save(update_fields=["status"])
        assert live_views_expire() == 1
        approved.refresh_from_db()
        assert approved.status == LiveView.Status.EXPIRED

    def test_no_address_before_approval_or_after_denial(self, client, officer, operator, requested):
        client.force_login(officer)
        assert_error(client.get(url(requested, "stream")), 409)
        live_services.live_view_deny(live_view=requested, denied_by=operator, reason="점검")
        assert_error(client.get(url(requested, "stream")), 409)

    @pytest.mark.parametrize("role", ["operator", "auditor"])
    def test_only_named_viewers_get_the_address(self, request, client, approved, role):
        client.force_login(request.getfixturevalue(role))
        assert_error(client.get(url(approved, "stream")), 403)
        assert not LiveViewViewer.objects.exists()

    def test_a_colleague_of_the_requester_gets_no_address(self, client, approved, agency):
        from accounts.models import User

        colleague = User.objects.create_user("colleague", role=User.Role.OFFICER, agency=agency)
        client.force_login(colleague)
        assert_error(client.get(url(approved, "stream")), 403)

    def test_an_officer_of_another_agency_does_not_see_the_session(self, client, other_officer, approved):
        client.force_login(other_officer)
        assert_error(client.get(url(approved, "stream")), 404)

    def test_a_centre_without_a_video_server_is_a_clear_409(self, client, officer, operator, urgent, camera):
        live_view = approved_make(officer=officer, operator=operator, order=urgent, camera=camera)
        client.force_login(officer)
        response = client.get(url(live_view, "stream"))
        assert_error(response, 409)
        assert "video server" in response.json()["detail"]


# --- Ending ------------------------------------------------------------------------------------------------


class TestEnd:
    def test_the_officer_ends_early_and_the_ledger_closes_the_session_with_its_viewers(
        self, client, officer, approved, django_capture_on_commit_callbacks
    ):
        centre_channel = listen(alerts.municipality_group("11380"))
        client.force_login(officer)
        client.get(url(approved, "stream"))
        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, url(approved, "end"))
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ended" and body["ended_by"] == "officer"
        start, end = DisclosureEntry.objects.order_by("sequence")
        assert (start.kind, end.kind) == (DisclosureEntry.Kind.LIVE, DisclosureEntry.Kind.LIVE_END)
        assert end.live_view_id == start.live_view_id == approved.pk
        approved.refresh_from_db()
        assert end.window_start == approved.started_at and end.window_end == approved.ended_at
        assert end.viewers[0]["user"] == "officer" and end.viewers[0]["fetches"] == 1
        assert received(centre_channel)["payload"]["status"] == "ended"
        assert_error(client.get(url(approved, "stream")), 410)

    def test_the_centre_ends_early_too(self, client, operator, approved):
        client.force_login(operator)
        body = post(client, url(approved, "end")).json()
        assert body["status"] == "ended" and body["ended_by"] == "operator"
        end = DisclosureEntry.objects.get(kind=DisclosureEntry.Kind.LIVE_END)
        assert end.viewers == []  # nobody watched: said so, not left out
        approved.refresh_from_db()
        assert end.window_start == approved.decided_at  # nobody started the picture: from the approval

    def test_an_operator_of_another_municipality_cannot_end_it(self, client, other_operator, approved):
        client.force_login(other_operator)
        assert_error(post(client, url(approved, "end")), 404)

    def test_a_colleague_of_the_requester_cannot_end_it(self, client, approved, agency):
        from accounts.models import User

        colleague = User.objects.create_user("colleague", role=User.Role.OFFICER, agency=agency)
        client.force_login(colleague)
        assert_error(post(client, url(approved, "end")), 403)

    def test_an_ended_session_cannot_be_ended_again(self, client, officer, approved):
        client.force_login(officer)
        post(client, url(approved, "end"))
        assert_error(post(client, url(approved, "end")), 409)
        assert DisclosureEntry.objects.filter(kind=DisclosureEntry.Kind.LIVE_END).count() == 1

    def test_the_officer_withdraws_an_undecided_request_without_a_ledger_entry(self, client, officer, requested):
        client.force_login(officer)
        assert post(client, url(requested, "end")).json()["status"] == "ended"
        assert not DisclosureEntry.objects.exists()

    def test_the_ledger_still_verifies_after_a_session(self, client, officer, approved):
        client.force_login(officer)
        client.get(url(approved, "stream"))
        post(client, url(approved, "end"))
        verdict = chain.verify(stored_links(DisclosureEntry))
        assert verdict.ok and verdict.entries == 2


# --- Reading -----------------------------------------------------------------------------------------------


class TestRead:
    def test_officers_list_their_agencys_and_operators_their_centres(
        self, client, officer, other_officer, operator, other_operator, requested
    ):
        for user, count in [(officer, 1), (other_officer, 0), (operator, 1), (other_operator, 0)]:
            client.force_login(user)
            response = client.get(LIST_URL)
            assert response.status_code == 200
            assert len(response.json()["results"]) == count, user.username

    def test_a_bad_filter_is_a_400_naming_it(self, client, officer):
        client.force_login(officer)
        assert_error(client.get(LIST_URL + "?status=bogus"), 400, "status")

    def test_an_unknown_id_is_a_404(self, client, officer):
        client.force_login(officer)
        assert_error(client.get(f"{LIST_URL}00000000-0000-0000-0000-000000000000/"), 404)


# --- The named unit's terminal -----------------------------------------------------------------------------


class TestUnitTerminal:
    @pytest.fixture
    def unit(self, agency):
        from tests.factories import unit_make

        return unit_make(agency=agency, call_sign="은평12")

    @pytest.fixture
    def terminal_key(self, unit, officer):
        from tests.factories import unit_key_make

        return unit_key_make(unit=unit, user=officer)

    def test_the_officer_names_a_unit_of_their_agency_by_call_sign(self, client, officer, urgent, camera, unit):
        client.force_login(officer)
        response = post(
            client, LIST_URL, {"order": str(urgent.pk), "camera": str(camera.pk), "reason": "추적", "unit": "은평12"}
        )
        assert response.status_code == 201 and response.json()["unit"] == "은평12"

    def test_a_unit_of_another_agency_is_a_400_naming_unit(self, client, officer, urgent, camera, other_agency):
        from tests.factories import unit_make

        unit_make(agency=other_agency, call_sign="경기7")
        client.force_login(officer)
        response = post(
            client, LIST_URL, {"order": str(urgent.pk), "camera": str(camera.pk), "reason": "추적", "unit": "경기7"}
        )
        assert_error(response, 400, "unit")

    def test_the_named_units_terminal_gets_the_address_with_its_key(
        self, client, officer, operator, urgent, camera, secret, unit, terminal_key
    ):
        live_view = live_view_make(officer=officer, order=urgent, camera=camera, unit=unit)
        live_services.live_view_approve(live_view=live_view, approved_by=operator, minutes=10)
        response = client.get(url(live_view, "stream"), HTTP_AUTHORIZATION=f"Bearer {terminal_key}")
        assert response.status_code == 200, response.content
        assert response.json()["url"].startswith(VIDEO_BASE)

    def test_a_terminal_of_a_unit_not_named_gets_nothing(self, client, officer, approved, terminal_key):
        response = client.get(url(approved, "stream"), HTTP_AUTHORIZATION=f"Bearer {terminal_key}")
        assert_error(response, 404)

    def test_the_terminal_watches_as_the_unit_and_the_ledger_names_its_call_sign(
        self, client, officer, operator, urgent, camera, secret, unit, terminal_key
    ):
        # The officer's own account drives the unit's terminal here: the two capacities are two viewers.
        live_view = live_view_make(officer=officer, order=urgent, camera=camera, unit=unit)
        live_services.live_view_approve(live_view=live_view, approved_by=operator, minutes=10)
        for _ in range(2):
            response = client.get(url(live_view, "stream"), HTTP_AUTHORIZATION=f"Bearer {terminal_key}")
            assert response.status_code == 200, response.content
        client.force_login(officer)
        assert client.get(url(live_view, "stream")).status_code == 200
        rows = {row.unit_id: row for row in LiveViewViewer.objects.filter(live_view=live_view)}
        assert set(rows) == {unit.pk, None}
        assert (rows[unit.pk].user, rows[unit.pk].fetches) == (officer, 2)
        assert (rows[None].user, rows[None].fetches) == (officer, 1)
        live_services.live_view_end(live_view=live_view, ended_by=operator)
        end = DisclosureEntry.objects.get(kind=DisclosureEntry.Kind.LIVE_END, live_view_id=live_view.pk)
        assert [(viewer["unit"], viewer["user"], viewer["fetches"]) for viewer in end.viewers] == [
            ("은평12", "officer", 2),
            (None, "officer", 1),
        ]
        assert chain.verify(stored_links(DisclosureEntry)).ok
        page = client.get(reverse("sightings:live-view-detail", args=[live_view.pk]))
        assert "은평12 · " in page.content.decode()

    def test_the_terminal_page_allows_the_configured_video_servers_only(self, client, municipality, secret):
        def sources(directive: str) -> list[str]:
            policy = client.get(reverse("sightings:unit-terminal"))["Content-Security-Policy"]
            [found] = [part.split()[1:] for part in policy.split(";") if part.split()[:1] == [directive]]
            return found

        assert "https://video.centre.example" in sources("media-src")
        assert "https://video.centre.example" in sources("connect-src")
        LiveVideoServer.objects.all().delete()
        assert not [source for source in sources("connect-src") if source.startswith("https://")]
        live_services.live_video_server_set(municipality=municipality, base_url="https://cams.example:8443/live")
        assert "https://cams.example:8443" in sources("media-src")
        assert "https://video.centre.example" not in sources("media-src")


# --- Setting up a centre's video server ---------------------------------------------------------------------


def test_the_command_shows_a_new_secret_once_and_a_rotated_one_again(municipality, capsys):
    from django.core.management import call_command

    call_command("live_video_server", municipality="11380", url="https://video.example/w")
    first = capsys.readouterr().out.strip().splitlines()[-1]
    assert len(bytes.fromhex(first)) == 32
    call_command("live_video_server", municipality="11380", url="https://video.example/x")
    assert first not in capsys.readouterr().out
    call_command("live_video_server", municipality="11380", url="https://video.example/x", rotate=True)
    rotated = capsys.readouterr().out.strip().splitlines()[-1]
    assert rotated != first and len(bytes.fromhex(rotated)) == 32
