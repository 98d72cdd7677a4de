"""GET /api/v1/audit/disclosures/ and /api/v1/audit/verify/: auditors only, filters, cursor pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from audit import db_triggers
from audit.models import AccessLogEntry, DisclosureEntry
from audit.services import ledger_record_footage
from tests.audit.test_ledger import locations_record
from tests.factories import footage_request_make, sighting_make
from tests.queries import access_log_queries

DISCLOSURES = "/api/v1/audit/disclosures/"
VERIFY = "/api/v1/audit/verify/"


@pytest.fixture
def ledger(order, camera, other_camera, officer, operator):
    """Two location entries from 은평구, one from 서초구 and one footage entry from 은평구."""
    locations_record(sightings=[sighting_make(order, camera), sighting_make(order, camera)])
    locations_record(sightings=[sighting_make(order, other_camera)])
    request = footage_request_make(order=order, camera=camera, requested_by=officer, case_number="2026-FOOTAGE-7")
    ledger_record_footage(request=request, approver=operator, files=[("clip.mp4", "ab" * 32)])
    return DisclosureEntry.objects.order_by("sequence")


def test_it_lists_the_ledger_for_an_auditor_newest_first(client, auditor, ledger):
    client.force_login(auditor)
    response = client.get(DISCLOSURES)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["sequence"] for row in rows] == [4, 3, 2, 1]
    footage = rows[0]
    assert footage["kind"] == "footage" and footage["approver"] == "operator" and footage["requester"] == "officer"
    assert footage["file_hashes"] == [{"name": "clip.mp4", "sha256": "ab" * 32}]
    assert footage["municipality"] == "11380" and footage["case_number"] == "2026-FOOTAGE-7"
    for field in ("file_name", "recipient", "purpose", "legal_basis", "data_items", "form", "safeguards"):
        assert footage[field]
    assert AccessLogEntry.objects.filter(actor=auditor, action="list", object_type="ledger").count() == 1


@pytest.mark.parametrize(
    ("query", "sequences"),
    [
        ("municipality=11650", [3]),
        ("kind=footage", [4]),
        ("case_number=2026-FOOTAGE-7", [4]),
        ("legal_basis=18-2-3", []),
        ("legal_basis=18-2-7&municipality=11380&kind=location", [2, 1]),
    ],
)
def test_it_filters(client, auditor, ledger, query, sequences):
    client.force_login(auditor)
    response = client.get(f"{DISCLOSURES}?{query}")
    assert [row["sequence"] for row in response.json()["results"]] == sequences


def test_it_filters_by_day_in_the_site_time_zone(client, auditor, ledger):
    client.force_login(auditor)
    today = timezone.localdate()
    assert len(client.get(f"{DISCLOSURES}?since={today}&until={today}").json()["results"]) == 4
    yesterday = today - dt.timedelta(days=1)
    assert client.get(f"{DISCLOSURES}?until={yesterday}").json()["results"] == []


def test_it_pages_with_a_cursor(client, auditor, ledger):
    client.force_login(auditor)
    first = client.get(f"{DISCLOSURES}?page_size=3").json()
    assert [row["sequence"] for row in first["results"]] == [4, 3, 2]
    second = client.get(first["next"]).json()
    assert [row["sequence"] for row in second["results"]] == [1] and second["next"] is None


def test_a_page_costs_a_fixed_number_of_queries(client, auditor, ledger, django_assert_num_queries):
    client.force_login(auditor)
    client.get(DISCLOSURES)  # warm the session
    # Session and user, the page, the access-log append (tests/queries.py), then the session saved (savepoint,
    # update, release).
    with django_assert_num_queries(6 + access_log_queries()):
        client.get(DISCLOSURES)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=yesterday", "since"),
        ("kind=photos", "kind"),
        ("legal_basis=18-2-99", "legal_basis"),
        ("municipality=123456", "municipality"),
    ],
)
def test_it_names_the_field_of_bad_input(client, auditor, ledger, query, field):
    client.force_login(auditor)
    response = client.get(f"{DISCLOSURES}?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize("url", [DISCLOSURES, VERIFY])
@pytest.mark.parametrize("who", ["officer", "other_officer", "operator", "other_operator", "admin_user"])
def test_it_refuses_everyone_but_auditors_and_logs_the_refusal(client, request, ledger, url, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 403
    assert "results" not in response.json() and "ledger" not in response.json()
    refusal = AccessLogEntry.objects.get(actor=user, outcome="denied")
    assert (refusal.outcome, refusal.object_type, refusal.path) == ("denied", "ledger", url)


@pytest.mark.parametrize("url", [DISCLOSURES, VERIFY])
def test_it_refuses_anonymous_callers_and_logs_it(client, ledger, url):
    assert client.get(url).status_code in (401, 403)
    assert AccessLogEntry.objects.get(outcome="denied").actor_label == "anonymous"


def test_verify_reports_both_chains_intact(client, auditor, ledger):
    client.force_login(auditor)
    body = client.get(VERIFY).json()
    assert body["ledger"] == {"ok": True, "entries": 4, "first_broken": None, "corrected": []}
    assert body["access_log"]["ok"] is True


def test_verify_names_the_first_broken_entry(client, auditor, ledger):
    with db_triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_disclosureentry SET case_number = 'X' WHERE sequence = 2")
    client.force_login(auditor)
    body = client.get(VERIFY).json()
    assert body["ledger"] == {
        "ok": False,
        "entries": 1,
        "first_broken": {"sequence": 2, "reason": "altered content", "detail": ""},
        "corrected": [],
    }
