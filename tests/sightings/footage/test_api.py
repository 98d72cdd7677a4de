"""Footage requests through the API: request, approve with files or deny, time-limited download, purge."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from audit.models import AccessLogEntry, DisclosureEntry
from sightings import permissions
from sightings.live import alerts
from sightings.models import FootageFile, FootageRequest, WantedOrder
from sightings.tasks import footage_escalate_urgent, footage_expire_access, footage_purge_files
from tests.factories import footage_request_make
from tests.queries import access_log_queries
from tests.sightings.footage.helpers import JPEG, MP4, jpeg_upload, make_sighting, mp4_upload

LIST_URL = "/api/v1/footage-requests/"


def url(footage_request: FootageRequest, action: str = "") -> str:
    return f"{LIST_URL}{footage_request.pk}/" + (f"{action}/" if action else "")


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [path for path in (media / "footage").rglob("*") if path.is_file()] if (media / "footage").exists() else []


@pytest.fixture
def sighting(order, camera):
    return make_sighting(order, camera)


@pytest.fixture
def pending(order, camera, officer, sighting) -> FootageRequest:
    return footage_request_make(order=order, camera=camera, requested_by=officer, sighting=sighting)


def listen(group: str) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return channel


def received(channel: str) -> dict:
    return async_to_sync(get_channel_layer().receive)(channel)


def assert_nothing_decided(footage_request: FootageRequest, media: Path) -> None:
    footage_request.refresh_from_db()
    assert footage_request.status == FootageRequest.Status.PENDING
    assert footage_request.decided_by is None and footage_request.access_until is None
    assert not FootageFile.objects.filter(request=footage_request).exists()
    assert not DisclosureEntry.objects.exists()
    assert stored_files(media) == []
    assert not permissions.footage_has_grant(footage_request.requested_by, footage_request)


# --- Creating ----------------------------------------------------------------------------------------------


class TestCreate:
    def test_it_addresses_a_request_about_a_sighting_to_the_cameras_municipality(
        self, client, officer, sighting, django_capture_on_commit_callbacks
    ):
        channel = listen(alerts.municipality_group("11380"))
        client.force_login(officer)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                LIST_URL,
                {"sighting": str(sighting.pk), "purpose": "Escape route", "urgent": True},
                content_type="application/json",
            )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["status"] == "pending"
        assert body["municipality"] == "11380"
        assert body["order"] == str(sighting.order_id)
        assert body["legal_basis"] == "18-2-7" and body["case_number"] == "2026-TEST-0001"
        assert body["urgent"] is True
        # The window defaults to a few minutes either side of the read.
        footage_request = FootageRequest.objects.get()
        assert footage_request.window_start < sighting.seen_at < footage_request.window_end
        event = received(channel)
        assert event["type"] == "footage.update"
        assert event["payload"]["id"] == body["id"] and event["payload"]["urgent"] is True

    def test_it_accepts_a_camera_and_a_time_window(self, client, officer, order, other_camera):
        client.force_login(officer)
        start = timezone.now() - dt.timedelta(hours=2)
        response = client.post(
            LIST_URL,
            {
                "order": str(order.pk),
                "camera": str(other_camera.pk),
                "window_start": start.isoformat(),
                "window_end": (start + dt.timedelta(minutes=20)).isoformat(),
                "purpose": "Route before the first hit",
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["municipality"] == "11650"

    @pytest.mark.parametrize("who", ["operator", "auditor", "admin_user"])
    def test_it_lets_only_officers_request(self, client, request, who, sighting):
        client.force_login(request.getfixturevalue(who))
        response = client.post(
            LIST_URL, {"sighting": str(sighting.pk), "purpose": "x"}, content_type="application/json"
        )
        assert response.status_code == 403
        assert not FootageRequest.objects.exists()

    def test_it_refuses_another_agencys_order(self, client, other_officer, sighting):
        client.force_login(other_officer)
        response = client.post(
            LIST_URL, {"sighting": str(sighting.pk), "purpose": "x"}, content_type="application/json"
        )
        assert response.status_code == 400
        assert "order" in response.json()["errors"]
        assert not FootageRequest.objects.exists()

    def test_it_refuses_an_order_that_is_no_longer_active(self, client, officer, order, sighting):
        WantedOrder.objects.filter(pk=order.pk).update(status=WantedOrder.Status.CANCELLED)
        client.force_login(officer)
        response = client.post(
            LIST_URL, {"sighting": str(sighting.pk), "purpose": "x"}, content_type="application/json"
        )
        assert response.status_code == 400
        assert "order" in response.json()["errors"]
        assert not FootageRequest.objects.exists()

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"purpose": "x"}, "sighting"),
            ({"sighting": "not-a-uuid", "purpose": "x"}, "sighting"),
            ({"camera": "CAMERA", "purpose": "x"}, "order"),
            ({"camera": "00000000-0000-0000-0000-000000000000", "order": "ORDER", "purpose": "x"}, "camera"),
            ({"camera": "CAMERA", "order": "ORDER"}, "purpose"),
            ({"camera": "CAMERA", "order": "ORDER", "purpose": "x"}, "window_start"),
            (
                {
                    "camera": "CAMERA",
                    "order": "ORDER",
                    "purpose": "x",
                    "window_start": "2026-01-01T10:00:00+09:00",
                    "window_end": "2026-01-01T09:00:00+09:00",
                },
                "window_end",
            ),
            (
                {
                    "camera": "CAMERA",
                    "order": "ORDER",
                    "purpose": "x",
                    "window_start": "2026-01-01T00:00:00+09:00",
                    "window_end": "2026-01-03T00:00:00+09:00",
                },
                "window_end",
            ),
            ({"camera": "CAMERA", "order": "ORDER", "purpose": "x", "legal_basis": "18-2-3"}, "legal_basis"),
            ({"camera": "CAMERA", "order": "ORDER", "purpose": "x", "legal_basis": "18-2-99"}, "legal_basis"),
        ],
    )
    def test_it_names_the_field_of_bad_input(self, client, officer, order, camera, body, field):
        body = {
            key: value.replace("CAMERA", str(camera.pk)).replace("ORDER", str(order.pk)) for key, value in body.items()
        }
        if field == "legal_basis" and body.get("legal_basis") == "18-2-3":
            body |= {"window_start": "2026-01-01T10:00:00+09:00", "window_end": "2026-01-01T10:10:00+09:00"}
        client.force_login(officer)
        response = client.post(LIST_URL, body, content_type="application/json")
        assert response.status_code == 400, response.content
        assert field in response.json()["errors"], response.json()
        assert not FootageRequest.objects.exists()


# --- Reading -------------------------------------------------------------------------------------------------


class TestList:
    def test_it_shows_officers_their_agencys_requests(
        self, client, officer, other_officer, pending, django_assert_num_queries
    ):
        client.force_login(officer)
        # Session and user, one query for the page, and the session saved on every request (three).
        with django_assert_num_queries(6 + access_log_queries()):
            response = client.get(LIST_URL)
        assert [item["id"] for item in response.json()["results"]] == [str(pending.pk)]
        client.force_login(other_officer)
        assert client.get(LIST_URL).json()["results"] == []

    def test_it_shows_operators_their_municipalitys_requests(
        self, client, operator, other_operator, pending, order, other_camera, officer, django_assert_num_queries
    ):
        footage_request_make(order=order, camera=other_camera, requested_by=officer)
        footage_request_make(order=order, camera=pending.camera, requested_by=officer)
        client.force_login(operator)
        with django_assert_num_queries(6 + access_log_queries()):
            response = client.get(LIST_URL + "?status=pending")
        assert len(response.json()["results"]) == 2
        assert {item["municipality"] for item in response.json()["results"]} == {"11380"}
        client.force_login(other_operator)
        assert len(client.get(LIST_URL).json()["results"]) == 1

    def test_it_refuses_auditors(self, client, auditor, pending):
        client.force_login(auditor)
        assert client.get(LIST_URL).status_code == 403
        assert client.get(url(pending)).status_code == 403

    def test_it_rejects_a_bad_status_filter(self, client, officer):
        client.force_login(officer)
        response = client.get(LIST_URL + "?status=maybe")
        assert response.status_code == 400 and "status" in response.json()["errors"]

    def test_it_hides_requests_of_other_tenants(self, client, other_officer, other_operator, pending):
        for user in (other_officer, other_operator):
            client.force_login(user)
            assert client.get(url(pending)).status_code == 404


# --- The whole flow ------------------------------------------------------------------------------------------


def test_request_approve_download_expire(
    client, officer, operator, order, sighting, media, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    response = client.post(
        LIST_URL,
        {"sighting": str(sighting.pk), "purpose": "Escape route after the robbery", "case_number": "2026-CASE-77"},
        content_type="application/json",
    )
    assert response.status_code == 201
    footage_request = FootageRequest.objects.get(pk=response.json()["id"])

    officer_channel = listen(alerts.user_group(officer.pk))
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(footage_request, "approve"),
            {"files": [jpeg_upload(), mp4_upload()], "attach_sighting_photos": "true"},
        )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "approved" and body["decided_by"] == "operator"
    assert {f["name"] for f in body["files"]} == {
        "scene.jpg",
        "clip.mp4",
        f"plate_photo-{sighting.pk}.jpg",
        f"vehicle_photo-{sighting.pk}.jpg",
    }
    # The centre never gets download links: footage leaves only to the requester.
    assert all(f["download_url"] is None for f in body["files"])
    event = received(officer_channel)
    assert event["payload"]["id"] == str(footage_request.pk) and event["payload"]["status"] == "approved"

    # Exactly one ledger entry, with every field the decree asks for and the hash of every file.
    entry = DisclosureEntry.objects.get()
    footage_request.refresh_from_db()
    files = list(footage_request.files.all())
    assert entry.kind == DisclosureEntry.Kind.FOOTAGE
    assert entry.footage_request_id == footage_request.pk
    assert entry.legal_basis == "18-2-7" and entry.case_number == "2026-CASE-77"
    assert entry.purpose == "Escape route after the robbery"
    assert entry.requester_id == officer.pk and entry.approver_id == operator.pk
    assert entry.recipient_agency_id == officer.agency_id and entry.recipient == officer.agency.name
    assert entry.municipality_id == footage_request.municipality_id
    assert entry.order_id == order.pk and entry.sighting_id == sighting.pk and entry.camera_id == sighting.camera_id
    assert entry.window_start == footage_request.window_start and entry.window_end == footage_request.window_end
    assert entry.provided_at == footage_request.decided_at
    assert entry.file_name and entry.data_items and entry.form and entry.safeguards
    assert sorted((h["name"], h["sha256"]) for h in entry.file_hashes) == sorted((f.name, f.sha256) for f in files)
    import hashlib

    assert {f.sha256 for f in files} >= {hashlib.sha256(JPEG).hexdigest(), hashlib.sha256(MP4).hexdigest()}
    assert footage_request.access_until - footage_request.decided_at == dt.timedelta(hours=72)

    # The officer lists and downloads; both are logged.
    client.force_login(officer)
    listing = client.get(url(footage_request, "footage"))
    assert listing.status_code == 200
    clip = next(f for f in listing.json()["files"] if f["name"] == "clip.mp4")
    download = client.get(clip["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == MP4
    assert download["Content-Disposition"].startswith("attachment")
    logged = list(AccessLogEntry.objects.order_by("sequence").values_list("action", "outcome", "actor_id"))
    assert logged[-2:] == [("footage.list", "allowed", officer.pk), ("footage.download", "allowed", officer.pk)]

    # Access ends: beat revokes the grant and the next download is refused and logged.
    FootageRequest.objects.filter(pk=footage_request.pk).update(access_until=timezone.now() - dt.timedelta(minutes=1))
    assert footage_expire_access.delay().get() == 1
    footage_request.refresh_from_db()
    assert footage_request.access_revoked_at is not None
    assert not permissions.footage_has_grant(officer, footage_request)
    assert client.get(clip["download_url"]).status_code == 403
    assert client.get(url(footage_request, "footage")).status_code == 403
    assert AccessLogEntry.objects.order_by("-sequence").values_list("action", "outcome")[0] == (
        "footage.list",
        "denied",
    )
    assert DisclosureEntry.objects.count() == 1


# --- Deciding: who may, and what happens when they may not ------------------------------------------------------


class TestApprove:
    def test_it_refuses_an_officer(self, client, officer, pending, media):
        client.force_login(officer)
        response = client.post(url(pending, "approve"), {"files": [jpeg_upload()]})
        assert response.status_code == 403
        assert_nothing_decided(pending, media)

    def test_it_refuses_an_auditor(self, client, auditor, pending, media):
        client.force_login(auditor)
        assert client.post(url(pending, "approve"), {"files": [jpeg_upload()]}).status_code == 403
        assert_nothing_decided(pending, media)

    def test_it_refuses_an_operator_of_another_municipality(self, client, other_operator, pending, media):
        client.force_login(other_operator)
        assert client.post(url(pending, "approve"), {"files": [jpeg_upload()]}).status_code == 404
        assert_nothing_decided(pending, media)

    def test_it_refuses_when_the_order_is_no_longer_active(self, client, operator, order, pending, media):
        WantedOrder.objects.filter(pk=order.pk).update(status=WantedOrder.Status.RESOLVED)
        client.force_login(operator)
        response = client.post(url(pending, "approve"), {"files": [jpeg_upload()]})
        assert response.status_code == 400
        assert "order" in response.json()["errors"]
        assert_nothing_decided(pending, media)

    @pytest.mark.parametrize(
        "files",
        [
            [],
            [jpeg_upload("notes.txt", b"hello")],
            [jpeg_upload("scene.jpg", b"MZ\x90\x00 not a photo")],
            [jpeg_upload("scene.mp4")],
            [jpeg_upload(), jpeg_upload("empty.jpg", b"")],
        ],
    )
    def test_it_refuses_missing_or_unacceptable_files(self, client, operator, pending, media, files):
        client.force_login(operator)
        response = client.post(url(pending, "approve"), {"files": files} if files else {})
        assert response.status_code == 400, response.content
        assert "files" in response.json()["errors"]
        assert_nothing_decided(pending, media)

    def test_it_refuses_files_over_the_size_limit(self, client, operator, pending, media, settings):
        settings.FOOTAGE_MAX_FILE_BYTES = 1024
        client.force_login(operator)
        response = client.post(url(pending, "approve"), {"files": [jpeg_upload(content=JPEG + b"\x00" * 2048)]})
        assert response.status_code == 400 and "files" in response.json()["errors"]
        assert_nothing_decided(pending, media)

    def test_it_refuses_sighting_photos_when_there_are_none(self, client, operator, order, camera, officer, media):
        footage_request = footage_request_make(order=order, camera=camera, requested_by=officer)
        client.force_login(operator)
        response = client.post(url(footage_request, "approve"), {"attach_sighting_photos": "true"})
        assert response.status_code == 400 and "attach_sighting_photos" in response.json()["errors"]
        assert_nothing_decided(footage_request, media)

    def test_it_approves_with_the_sighting_photos_alone(self, client, operator, pending, sighting):
        client.force_login(operator)
        response = client.post(
            url(pending, "approve"), {"attach_sighting_photos": True}, content_type="application/json"
        )
        assert response.status_code == 200, response.json()
        assert [f["source"] for f in response.json()["files"]] == ["plate_photo", "vehicle_photo"]
        # A copy: purging the footage later never touches the sighting's own photos.
        assert sighting.plate_image.name not in {f.file.name for f in pending.files.all()}

    def test_it_refuses_to_decide_twice(self, client, operator, pending):
        client.force_login(operator)
        assert client.post(url(pending, "approve"), {"files": [jpeg_upload()]}).status_code == 200
        response = client.post(url(pending, "approve"), {"files": [jpeg_upload()]})
        assert response.status_code == 409
        assert client.post(url(pending, "deny"), {"reason": "late"}, content_type="application/json").status_code == 409
        assert DisclosureEntry.objects.count() == 1 and pending.files.count() == 1


class TestDeny:
    def test_it_denies_with_a_reason_and_tells_the_requester(
        self, client, operator, officer, pending, django_capture_on_commit_callbacks
    ):
        channel = listen(alerts.user_group(officer.pk))
        client.force_login(operator)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                url(pending, "deny"),
                {"reason": "No camera footage kept for that hour"},
                content_type="application/json",
            )
        assert response.status_code == 200
        assert response.json()["status"] == "denied"
        assert response.json()["deny_reason"] == "No camera footage kept for that hour"
        assert received(channel)["payload"]["status"] == "denied"
        assert not DisclosureEntry.objects.exists()

    @pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
    def test_it_requires_a_reason(self, client, operator, pending, media, body):
        client.force_login(operator)
        response = client.post(url(pending, "deny"), body, content_type="application/json")
        assert response.status_code == 400
        assert "reason" in response.json()["errors"]
        assert_nothing_decided(pending, media)

    @pytest.mark.parametrize(("who", "status"), [("officer", 403), ("auditor", 403), ("other_operator", 404)])
    def test_it_refuses_anyone_but_the_municipalitys_operators(self, client, request, pending, media, who, status):
        client.force_login(request.getfixturevalue(who))
        response = client.post(url(pending, "deny"), {"reason": "no"}, content_type="application/json")
        assert response.status_code == status
        assert_nothing_decided(pending, media)


class TestDownload:
    @pytest.fixture
    def approved(self, client, operator, pending) -> FootageRequest:
        client.force_login(operator)
        assert client.post(url(pending, "approve"), {"files": [jpeg_upload()]}).status_code == 200
        client.logout()
        pending.refresh_from_db()
        return pending

    def file_url(self, footage_request: FootageRequest) -> str:
        return url(footage_request, "footage") + f"{footage_request.files.get().pk}/"

    @pytest.mark.parametrize(
        ("who", "status"),
        [("operator", 403), ("auditor", 404), ("admin_user", 404), ("other_officer", 404), ("other_operator", 404)],
    )
    def test_it_serves_files_to_the_requester_only_and_logs_refusals(self, client, request, approved, who, status):
        user = request.getfixturevalue(who)
        client.force_login(user)
        assert client.get(self.file_url(approved)).status_code == status
        entry = AccessLogEntry.objects.order_by("-sequence").first()
        # The requester's colleague at the centre is refused; anyone else is told there is no such file.
        outcome = "denied" if status == 403 else "not-found"
        assert (entry.actor_id, entry.action, entry.outcome) == (user.pk, "footage.download", outcome)

    def test_it_refuses_a_colleague_of_the_requester(self, client, approved, agency):
        from accounts.models import User

        colleague = User.objects.create_user("colleague", role=User.Role.OFFICER, agency=agency)
        client.force_login(colleague)
        # Same agency: sees the request, but the grant is personal.
        assert client.get(url(approved)).status_code == 200
        assert client.get(self.file_url(approved)).status_code == 403

    def test_it_refuses_after_the_access_period_even_before_beat_runs(self, client, officer, approved):
        FootageRequest.objects.filter(pk=approved.pk).update(access_until=timezone.now() - dt.timedelta(seconds=1))
        client.force_login(officer)
        assert client.get(self.file_url(approved)).status_code == 403

    def test_it_shows_download_links_only_while_access_runs(self, client, officer, approved):
        client.force_login(officer)
        assert client.get(url(approved)).json()["files"][0]["download_url"].startswith("http")


# --- Atomicity, purge, escalation --------------------------------------------------------------------------------


def test_a_failed_ledger_write_approves_nothing_and_keeps_no_file(client, operator, pending, media, monkeypatch):
    import audit.services

    def broken(**kwargs):
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr(audit.services, "ledger_record_footage", broken)
    client.raise_request_exception = False
    client.force_login(operator)
    response = client.post(url(pending, "approve"), {"files": [jpeg_upload(), mp4_upload()]})
    assert response.status_code == 500
    assert_nothing_decided(pending, media)


def test_purge_removes_the_files_but_keeps_the_ledger(
    client, operator, officer, pending, media, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    assert client.post(url(pending, "approve"), {"files": [jpeg_upload(), mp4_upload()]}).status_code == 200
    assert len(stored_files(media)) == 2
    hashes = sorted(pending.files.values_list("sha256", flat=True))
    FootageRequest.objects.filter(pk=pending.pk).update(purge_after=timezone.now() - dt.timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert footage_purge_files.delay().get() == 1

    assert stored_files(media) == []
    pending.refresh_from_db()
    assert pending.purged_at is not None and pending.access_revoked_at is not None
    assert all(f.purged_at and not f.file for f in pending.files.all())
    assert sorted(pending.files.values_list("sha256", flat=True)) == hashes
    entry = DisclosureEntry.objects.get()
    assert sorted(h["sha256"] for h in entry.file_hashes) == hashes
    client.force_login(officer)
    assert client.get(url(pending, "footage")).status_code == 403
    assert footage_purge_files.delay().get() == 0


def test_urgent_requests_escalate_after_the_set_time(
    order, camera, officer, settings, django_capture_on_commit_callbacks
):
    settings.FOOTAGE_URGENT_ESCALATE_MINUTES = 15
    old = timezone.now() - dt.timedelta(minutes=16)
    overdue = footage_request_make(order=order, camera=camera, requested_by=officer, urgent=True, created_at=old)
    fresh = footage_request_make(order=order, camera=camera, requested_by=officer, urgent=True)
    routine = footage_request_make(order=order, camera=camera, requested_by=officer, urgent=False, created_at=old)
    decided = footage_request_make(
        order=order, camera=camera, requested_by=officer, urgent=True, created_at=old, status="denied", deny_reason="x"
    )
    channel = listen(alerts.municipality_group("11380"))

    with django_capture_on_commit_callbacks(execute=True):
        assert footage_escalate_urgent.delay().get() == 1

    escalated = set(FootageRequest.objects.filter(escalated_at__isnull=False).values_list("pk", flat=True))
    assert escalated == {overdue.pk}
    assert {fresh.pk, routine.pk, decided.pk}.isdisjoint(escalated)
    payload = received(channel)["payload"]
    assert payload["id"] == str(overdue.pk) and payload["escalated"] is True
    # Once flagged, it is not flagged again.
    assert footage_escalate_urgent.delay().get() == 0


def test_the_service_refuses_an_approver_who_is_the_requester(order, camera, operator, agency):
    from sightings.footage.services import FootageForbidden, footage_request_approve

    footage_request = footage_request_make(order=order, camera=camera, requested_by=operator, agency_id=agency.pk)
    with pytest.raises(FootageForbidden, match="requested"):
        footage_request_approve(footage_request=footage_request, approved_by=operator, uploads=[jpeg_upload()])
    footage_request.refresh_from_db()
    assert footage_request.status == FootageRequest.Status.PENDING
    assert not DisclosureEntry.objects.exists()


def test_the_service_refuses_an_approver_of_the_requesting_agency(order, camera, officer, operator, agency):
    from sightings.footage.services import FootageForbidden, footage_request_approve

    footage_request = footage_request_make(order=order, camera=camera, requested_by=officer)
    operator.agency = agency  # not a state the database allows for operators, but the rule must not rely on it
    with pytest.raises(FootageForbidden, match="agency"):
        footage_request_approve(footage_request=footage_request, approved_by=operator, uploads=[jpeg_upload()])
    assert not DisclosureEntry.objects.exists()
