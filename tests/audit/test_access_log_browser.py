"""In a real browser: an officer looks at three sightings and one order again and again; the auditor then finds
those looks in the access log, the repeated-look flag on the anomalies page, and follows its links."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from audit.services import ledger_record_footage
from tests.audit.test_ledger import locations_record
from tests.conftest import PASSWORD
from tests.factories import footage_request_make, integration_key_make, sighting_make
from tests.live import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _around_the_clock(settings) -> None:
    """Set before the server forks: only the repeated looks are unusual, whatever the hour of the run."""
    settings.AUDIT_WORKING_HOURS = (0, 24)
    settings.AUDIT_WORKING_DAYS = (1, 2, 3, 4, 5, 6, 7)
    settings.AUDIT_PUBLIC_HOLIDAYS = ""
    settings.ACCESS_TALLY_INTERVAL_SECONDS = 10**9  # a key's use in one tally, whenever the test runs


@pytest.fixture
def a_case(order, camera, officer, operator):
    sightings = [sighting_make(order, camera) for _ in range(3)]
    locations_record(sightings=sightings)
    request = footage_request_make(order=order, camera=camera, requested_by=officer, sighting=sightings[0])
    ledger_record_footage(request=request, approver=operator, files=[("clip.mp4", "ab" * 32)])
    return sightings


def test_the_auditor_finds_an_officers_repeated_looks(live_daphne, new_page, officer, auditor, order, a_case):
    officer_page = new_page(locale="en-US")
    log_in(officer_page, live_daphne, "officer", PASSWORD)
    for sighting in a_case:
        response = officer_page.goto(f"{live_daphne.url}/api/v1/sightings/{sighting.id}/")
        assert response.status == 200
    for _ in range(django_settings.AUDIT_REPEATED_LOOKS - len(a_case)):
        response = officer_page.goto(f"{live_daphne.url}/orders/{order.id}/")
        assert response.status == 200
    screenshot(officer_page, "audit-officer-order")

    page = new_page(locale="en-US")
    log_in(page, live_daphne, "auditor", PASSWORD)
    page.goto(f"{live_daphne.url}/audit/access/?actor=officer")
    rows = page.locator("[data-testid=access-table] tbody tr")
    objects = rows.locator("td:nth-child(7)").all_inner_texts()
    for sighting in a_case:  # each sighting looked at, by its id (shortened on the page)
        assert f"sighting {str(sighting.id)[:12]}…" in objects
    assert objects.count(f"wanted order {str(order.id)[:12]}…") == django_settings.AUDIT_REPEATED_LOOKS - 3
    assert "KST" in rows.first.locator("td:nth-child(2)").inner_text()
    screenshot(page, "audit-access-log-people")

    page.click("[data-testid=tab-machines]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=machine-summary]").is_visible()
    screenshot(page, "audit-access-log-machines")

    page.click("nav.mainnav >> text=Anomalies")
    page.wait_for_load_state("networkidle")
    flags = page.locator("[data-testid=flags-repeated_lookup] tbody tr")
    assert flags.count() == 1
    assert order.plate in flags.first.inner_text() and "officer" in flags.first.inner_text()
    screenshot(page, "audit-anomalies-repeated")

    flags.first.locator("[data-testid=flag-entries]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=access-table] tbody tr").count() == django_settings.AUDIT_REPEATED_LOOKS

    page.go_back()
    flags.first.locator("[data-testid=flag-person]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=person-facts]").is_visible()
    assert page.locator("[data-testid=person-ledger] tbody tr").count() == 4
    screenshot(page, "audit-person")

    page.locator("[data-testid=person-ledger] tbody tr a").first.click()
    page.wait_for_load_state("networkidle")
    assert order.plate in page.locator("[data-testid=entry-order]").inner_text()
    assert page.locator("[data-testid=entry-integrity] .outcome-allowed").count() == 2
    screenshot(page, "audit-ledger-entry-linked")

    page.locator("[data-testid=entry-order] a").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=order-ledger] tbody tr").count() == 4
    screenshot(page, "audit-order")


def test_the_auditor_answers_a_data_subjects_request_for_one_plate(live_daphne, new_page, auditor, order, a_case):
    page = new_page(locale="ko-KR")
    log_in(page, live_daphne, "auditor", PASSWORD)
    page.goto(f"{live_daphne.url}/audit/plate/")
    page.fill("#id_plate", order.plate)
    page.click("[data-testid=plate-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#id_reason:invalid").count() == 1  # the reason is required before anything is searched
    assert page.locator("[data-testid=plate-ledger]").count() == 0
    page.fill("#id_reason", "정보주체 열람청구 2026-118")
    page.click("[data-testid=plate-form] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=plate-ledger] tbody tr").count() == 4
    screenshot(page, "audit-plate-ko")


def test_machine_traffic_shows_a_centres_key_use(live_daphne, new_page, auditor, municipality, camera):
    import json
    import urllib.request

    from audit import tallies
    from tests.sightings.reads.helpers import a_read

    key = integration_key_make(municipality=municipality)
    for _ in range(2):
        body = json.dumps({"reads": [{**a_read(), "camera": camera.code}]}).encode()
        request = urllib.request.Request(  # noqa: S310 - the live test server
            f"{live_daphne.url}/api/v1/reads/",
            data=body,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as answer:  # noqa: S310
            assert answer.status == 202
    tallies.tallies_flush(everything=True)
    page = new_page(locale="en-US")
    log_in(page, live_daphne, "auditor", PASSWORD)
    page.goto(f"{live_daphne.url}/audit/access/machines/?municipality=은평구")
    assert page.locator("[data-testid=machine-table] tbody tr").count() == 1
    assert page.locator("[data-testid=machine-requests-key-use]").inner_text() == "2"
    screenshot(page, "audit-machine-traffic")
