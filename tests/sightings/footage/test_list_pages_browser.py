"""In the browser: the footage list comes a page at a time, and a page further down still follows a decision live."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sightings.footage.selectors import FOOTAGE_PAGE
from tests.conftest import PASSWORD
from tests.factories import footage_request_make
from tests.live import log_in, screenshot
from tests.sightings.test_dashboard_browser import LIVE_WITHIN_MS

pytestmark = pytest.mark.browser


def test_the_next_page_of_the_list_follows_a_decision_on_it_without_a_reload(
    live_daphne, new_page, officer, operator, order, camera
):
    made = [
        footage_request_make(order=order, camera=camera, requested_by=officer, case_number=f"2026-LIST-{n:03d}")
        for n in range(FOOTAGE_PAGE + 5)
    ]
    oldest = made[0]  # newest first: the oldest is on the second page

    officer_page = new_page(locale="en-US")
    log_in(officer_page, live_daphne, "officer", PASSWORD)
    officer_page.goto(f"{live_daphne.url}/footage/")
    rows = officer_page.locator("[data-testid=footage-list] tbody tr")
    expect(rows).to_have_count(FOOTAGE_PAGE)
    screenshot(officer_page, "footage-list-first-page")
    officer_page.click("[data-testid=footage-next-page]")
    officer_page.wait_for_load_state("networkidle")
    expect(rows).to_have_count(5)
    expect(officer_page.locator("[data-testid=footage-next-page]")).to_have_count(0)
    row = officer_page.locator(f"tr[data-footage-id='{oldest.pk}']")
    expect(row.locator("[data-testid=footage-status]")).to_have_text("Waiting for a decision")
    officer_page.wait_for_selector("body[data-footage-socket=open]")
    officer_page.evaluate("window.__notReloaded = true")

    operator_page = new_page(locale="en-US")
    log_in(operator_page, live_daphne, "operator", PASSWORD)
    operator_page.goto(f"{live_daphne.url}/footage/{oldest.pk}/")
    operator_page.fill("#id_reason", "No recording at that time")
    operator_page.click("[data-testid=footage-deny]")
    expect(operator_page.locator("[data-testid=deny-reason]")).to_be_visible()

    # Decided, it sorts after every request still waiting: it stays on this page, which updates in place.
    expect(row.locator("[data-testid=footage-status]")).to_have_text("Denied", timeout=3 * LIVE_WITHIN_MS)
    assert officer_page.evaluate("window.__notReloaded") is True
    expect(rows).to_have_count(5)
    screenshot(officer_page, "footage-list-second-page")
