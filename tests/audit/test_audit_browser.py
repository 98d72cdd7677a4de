"""The auditor's workspace in a real browser: landing summary, ledger, statistics, verification, and the public page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AccessLogEntry
from audit.services import access_log_record, ledger_record_footage
from tests.audit.test_ledger import locations_record
from tests.conftest import PASSWORD
from tests.factories import footage_request_make, order_make, sighting_make
from tests.live import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def months_of_disclosures(order, camera, other_camera, officer, operator):
    """Hits and footage over the last five months, under two legal bases, from two municipalities."""
    now = timezone.now()
    order.created_at = now - dt.timedelta(days=200)
    order.save(update_fields=["created_at"])
    child = order_make(
        issued_by=officer,
        plate="34나5678",
        crime="missing-child",
        legal_basis="18-2-3",
        case_number="",
        urgency_confirmed_by="112 상황팀장",
        created_at=now - dt.timedelta(days=200),
        expires_at=now + dt.timedelta(days=1),
    )
    for months_ago, hits, urgent_hits in ((4, 3, 1), (3, 6, 0), (2, 4, 2), (1, 8, 1), (0, 5, 3)):
        received = now - dt.timedelta(days=30 * months_ago)
        sightings = [sighting_make(order, camera, received_at=received) for _ in range(hits)]
        sightings += [sighting_make(order, other_camera, received_at=received) for _ in range(hits // 2)]
        sightings += [sighting_make(child, camera, received_at=received) for _ in range(urgent_hits)]
        locations_record(sightings=sightings)
    request = footage_request_make(order=order, camera=camera, requested_by=officer, case_number="2026-SEOUL-0042")
    ledger_record_footage(request=request, approver=operator, files=[("clip.mp4", "ab" * 32)])
    # An approval by the requesting officer's own agency colleague: a flag.
    ledger_record_footage(
        request=footage_request_make(order=order, camera=camera, requested_by=officer), approver=officer, files=[]
    )
    access_log_record(actor=officer, action="view", obj=order)


def test_the_auditor_reviews_the_ledger_and_its_statistics(live_daphne, new_page, auditor, months_of_disclosures):
    page = new_page(locale="en-US")
    log_in(page, live_daphne, "auditor", PASSWORD)
    assert page.locator("[data-testid=landing][data-role=auditor]").is_visible()
    assert page.locator("[data-testid=flag-total]").inner_text() != "0"
    screenshot(page, "audit-landing")

    page.click("nav.mainnav >> text=Ledger")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=ledger-table] tbody tr").count() == 47
    page.select_option("#id_kind", "footage")
    page.click("[data-testid=filter-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=ledger-table] tbody tr").count() == 2
    assert "kind=footage" in page.locator("[data-testid=csv-link]").get_attribute("href")
    screenshot(page, "audit-ledger-footage")

    page.click("[data-testid=ledger-table] tbody tr:first-child a")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Enforcement Decree of PIPA, Article 15").is_visible()
    screenshot(page, "audit-ledger-entry")

    page.goto(f"{live_daphne.url}/audit/statistics/?months=6")
    assert page.locator("[data-testid=chart] svg rect").count() >= 5
    assert page.locator("[data-testid=pivot-legal_basis] tbody tr").count() == 2
    screenshot(page, "audit-statistics")

    page.goto(f"{live_daphne.url}/audit/verify/")
    assert page.locator(".verdict-ok").count() == 4  # ledger, access log, tallies, corrections
    screenshot(page, "audit-verify")

    page.goto(f"{live_daphne.url}/audit/anomalies/")
    assert page.locator("[data-testid=flags-same_body] tbody tr").count() == 1
    screenshot(page, "audit-anomalies")

    page.goto(f"{live_daphne.url}/audit/access/")
    screenshot(page, "audit-access-log")
    assert AccessLogEntry.objects.filter(actor=auditor, action="list", object_type="ledger").count() >= 2


def test_the_public_sees_the_transparency_report_without_logging_in(live_daphne, new_page, months_of_disclosures):
    page = new_page(locale="en-US")
    page.goto(f"{live_daphne.url}/transparency/")
    assert page.locator("[data-testid=transparency-table] tbody tr").count() == 2
    assert page.locator("[data-testid=publication] tbody tr").count() == 1
    text = page.content()
    assert "12가3456" not in text and "2026-SEOUL-0042" not in text
    screenshot(page, "transparency")


def test_an_officer_is_refused_the_ledger(live_daphne, new_page, officer, months_of_disclosures):
    page = new_page(locale="en-US")
    log_in(page, live_daphne, "officer", PASSWORD)
    response = page.goto(f"{live_daphne.url}/audit/")
    assert response.status == 403
    assert AccessLogEntry.objects.filter(actor=officer, outcome="denied", path="/audit/").exists()
