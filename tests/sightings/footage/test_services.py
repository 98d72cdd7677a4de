"""Footage services under concurrency and in the admin: one decision per request, whatever the race."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import User
from audit.models import DisclosureEntry
from sightings.footage.services import FootageConflict, footage_request_approve, footage_request_deny
from sightings.models import FootageRequest
from tests.conftest import PASSWORD
from tests.factories import footage_request_make
from tests.sightings.footage.helpers import jpeg_upload


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_operators_deciding_at_once_give_one_decision_and_one_ledger_entry(order, camera, officer, operator, media):
    colleague = User.objects.create_user(
        "operator-2", password=PASSWORD, role=User.Role.OPERATOR, municipality=camera.municipality
    )
    footage_request = footage_request_make(order=order, camera=camera, requested_by=officer)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(action) -> None:
        try:
            barrier.wait(timeout=10)
            action()
            outcomes.append("decided")
        except FootageConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    approve = threading.Thread(
        target=decide,
        args=(
            lambda: footage_request_approve(
                footage_request=footage_request, approved_by=operator, uploads=[jpeg_upload()]
            ),
        ),
    )
    deny = threading.Thread(
        target=decide,
        args=(lambda: footage_request_deny(footage_request=footage_request, denied_by=colleague, reason="No footage"),),
    )
    approve.start(), deny.start()
    approve.join(30), deny.join(30)

    assert sorted(outcomes) == ["conflict", "decided"]
    footage_request.refresh_from_db()
    entries = DisclosureEntry.objects.filter(footage_request_id=footage_request.pk).count()
    if footage_request.status == FootageRequest.Status.APPROVED:
        assert entries == 1 and footage_request.files.count() == 1
    else:
        assert entries == 0 and not footage_request.files.exists()
        assert not [path for path in media.rglob("*") if path.is_file()]


def test_the_admin_shows_requests_read_only(admin_client, order, camera, officer):
    footage_request = footage_request_make(order=order, camera=camera, requested_by=officer)
    assert admin_client.get("/admin/sightings/footagerequest/").status_code == 200
    page = admin_client.get(f"/admin/sightings/footagerequest/{footage_request.pk}/change/")
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert admin_client.post(f"/admin/sightings/footagerequest/{footage_request.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/sightings/footagerequest/add/").status_code == 403
