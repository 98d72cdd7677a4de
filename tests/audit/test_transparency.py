"""The public transparency page: real figures, no login, no personal data."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from audit.services import ledger_record_footage
from sightings.models import FootageRequest, Sighting
from tests.audit.test_ledger import locations_record
from tests.factories import footage_request_make, order_make, sighting_make


def _activity(order, camera, other_camera, officer, operator):
    officer.first_name, officer.last_name = "길동", "홍"
    officer.save(update_fields=["first_name", "last_name"])
    hits = [sighting_make(order, camera) for _ in range(3)] + [sighting_make(order, other_camera)]
    Sighting.objects.filter(pk=hits[0].pk).update(verification=Sighting.Verification.CONFIRMED)
    Sighting.objects.filter(pk=hits[1].pk).update(verification=Sighting.Verification.MISREAD)
    locations_record(sightings=hits)
    approved = footage_request_make(
        order=order,
        camera=camera,
        requested_by=officer,
        purpose="Route of suspect 김철수",
        status=FootageRequest.Status.APPROVED,
    )
    ledger_record_footage(request=approved, approver=operator, files=[("clip.mp4", "ab" * 32)])
    footage_request_make(
        order=order,
        camera=camera,
        requested_by=officer,
        status=FootageRequest.Status.DENIED,
        deny_reason="Window too wide",
    )
    child = order_make(
        issued_by=officer,
        plate="34나5678",
        crime="missing-child",
        legal_basis="18-2-3",
        case_number="",
        urgency_confirmed_by="경위 박",
        expires_in=dt.timedelta(days=1),
    )
    locations_record(sightings=[sighting_make(child, camera)])


def test_it_shows_real_figures_without_login(client, order, camera, other_camera, officer, operator):
    _activity(order, camera, other_camera, officer, operator)
    response = client.get("/transparency/")
    assert response.status_code == 200
    report = response.context["report"]
    rows = {row.code: row for row in report["municipalities"]}
    assert (rows["11380"].hits, rows["11380"].confirmed, rows["11380"].misread) == (4, 1, 1)
    assert (rows["11380"].footage_requests, rows["11380"].footage_approved, rows["11380"].footage_denied) == (2, 1, 1)
    assert rows["11650"].hits == 1
    assert report["totals"].hits == 5
    bases = {row["basis"].code: (row["location"], row["footage"]) for row in report["by_legal_basis"]}
    assert bases["18-2-7"] == (4, 1) and bases["18-2-3"] == (1, 0)
    [published] = report["publication"]
    assert published["basis"].code == "18-2-3" and published["count"] == 1 and published["code"] == "11380"
    assert report["retention"]["footage_retention_days"] > 0


def test_it_shows_no_plate_name_case_or_free_text(client, order, camera, other_camera, officer, operator):
    _activity(order, camera, other_camera, officer, operator)
    text = client.get("/transparency/").content.decode()
    for secret in ("12가3456", "34나5678", "홍", "길동", "김철수", "경위 박", order.case_number, "Window too wide"):
        assert secret not in text


def test_it_reports_another_month_and_refuses_a_bad_one(client, order, camera, other_camera, officer, operator):
    _activity(order, camera, other_camera, officer, operator)
    last_year = (timezone.localdate() - dt.timedelta(days=400)).strftime("%Y-%m")
    response = client.get(f"/transparency/?month={last_year}")
    assert response.status_code == 200 and response.context["report"]["municipalities"] == []
    response = client.get("/transparency/?month=November")
    assert response.status_code == 400 and "YYYY-MM" in response.content.decode()
