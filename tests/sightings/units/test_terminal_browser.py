"""The whole loop in two browsers: the officer sees the nearest units on a hit and sends one with a click; the
unit's phone (a narrow screen) gets the assignment live, shares its position and reports back to the 112 room."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sightings.models import PatrolUnit, Sighting
from tests.conftest import PASSWORD
from tests.live import log_in, screenshot
from tests.sightings.test_dashboard_browser import LIVE_WITHIN_MS

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# Where the phone says it is: a few hundred metres north of the camera.
PHONE_POSITION = {"latitude": 37.6251, "longitude": 126.9311}


def test_a_dispatch_reaches_the_units_phone_live_and_its_reports_reach_the_dashboard(
    live_daphne, chromium, new_page, officer, hit, unit, unit_key, other_unit
):
    phone_context = chromium.new_context(
        locale="ko-KR",
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        geolocation=PHONE_POSITION,
        permissions=["geolocation"],
    )
    try:
        phone = phone_context.new_page()
        phone.goto(f"{live_daphne.url}/unit/")
        phone.fill("#unit-key", unit_key)
        phone.click("#sign-in-form button[type=submit]")
        phone.wait_for_selector("#terminal[data-state=waiting][data-socket=live]", timeout=5000)
        assert phone.locator("#call-sign").inner_text() == "은평12"
        # The phone shares where it is (once the browser has a fix).
        expect(phone.locator("#position-state")).to_have_text("위치 공유 중", timeout=LIVE_WITHIN_MS)

        room = new_page()
        log_in(room, live_daphne, "officer", PASSWORD)
        room.wait_for_selector("#dashboard[data-socket=live]", timeout=5000)
        room.locator(f"#hit-list li[data-id='{hit.id}']").click()
        nearest = room.locator("[data-testid=nearest-units] li.nearest-unit")
        expect(nearest).to_have_count(2, timeout=5000)
        assert [nearest.nth(i).get_attribute("data-unit") for i in range(2)] == ["은평12", "은평13"]
        screenshot(room, "unit-dashboard-nearest-units")
        nearest.first.locator("button[data-action=dispatch-nearest]").click()

        # The phone shows the assignment at once, plate first.
        phone.wait_for_selector("#terminal[data-state=assigned]", timeout=LIVE_WITHIN_MS)
        assert phone.locator("[data-testid=assignment-plate]").inner_text() == "12가3456"
        assert phone.locator("#terminal").get_attribute("data-assignment") == str(hit.id)
        expect(phone.locator("#unit-status")).to_have_attribute("data-status", "assigned")
        phone.wait_for_selector("#terminal-map[data-basemap=loaded]", timeout=LIVE_WITHIN_MS)
        screenshot(phone, "unit-terminal-assignment")

        # En route, then the arrest (a second tap confirms it): each reaches the dashboard at once.
        phone.click("#report-buttons button[data-report=en_route]")
        expect(room.locator(f"#hit-list li[data-id='{hit.id}'] .badge.dispatched")).to_contain_text(
            "출동 중", timeout=LIVE_WITHIN_MS
        )
        arrested = phone.locator("#report-buttons button[data-report=arrested]")
        arrested.click()
        expect(arrested).to_have_attribute("data-armed", "1")
        arrested.click()
        phone.wait_for_selector("#terminal[data-state=waiting]", timeout=LIVE_WITHIN_MS)
        expect(room.locator(f"#hit-list li[data-id='{hit.id}'] .badge.dispatched")).to_contain_text(
            "검거", timeout=LIVE_WITHIN_MS
        )
    finally:
        phone_context.close()
    unit.refresh_from_db()
    assert (unit.status, unit.assignment_id) == (PatrolUnit.Status.AVAILABLE, None)
    assert round(unit.lat, 4) == PHONE_POSITION["latitude"]
    assert Sighting.objects.get(pk=hit.id).dispatch_status == "arrested"


def test_a_refused_key_sends_the_phone_back_to_sign_in(live_daphne, chromium, unit):
    context = chromium.new_context(locale="ko-KR", viewport=PHONE)
    try:
        phone = context.new_page()
        phone.goto(f"{live_daphne.url}/unit/")
        phone.fill("#unit-key", "wass_aaaaaaaa_" + "b" * 43)
        phone.click("#sign-in-form button[type=submit]")
        expect(phone.locator("#sign-in-error")).to_be_visible(timeout=5000)
        assert phone.locator("#terminal").get_attribute("data-state") == "signed-out"
    finally:
        context.close()
