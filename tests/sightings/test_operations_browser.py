"""In the browser: the officer asks for footage from the hit on the dashboard and sees the centre's decision on
it; the centre operator decides from the dashboard's queue and manages the cameras on the map page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sightings.models import Camera, FootageRequest
from tests.conftest import PASSWORD
from tests.live import log_in, screenshot
from tests.sightings.live.helpers import make_hit
from tests.sightings.test_dashboard_browser import LIVE_WITHIN_MS

pytestmark = pytest.mark.browser


def test_footage_requested_from_a_hit_shows_its_status_and_the_decision(
    live_daphne, new_page, officer, operator, order, camera
):
    hit = make_hit(order, camera)
    officer_page = new_page()
    log_in(officer_page, live_daphne, "officer", PASSWORD)
    officer_page.wait_for_selector("#dashboard[data-socket=live]", timeout=5000)
    officer_page.locator(f"#hit-list li[data-id='{hit.id}']").click()
    footage = officer_page.locator("[data-testid=hit-footage]")
    expect(footage).to_have_attribute("data-status", "none")
    screenshot(officer_page, "ops-hit-card-request-footage")

    footage.locator("[data-testid=request-footage]").click()
    officer_page.wait_for_selector("[data-testid=footage-submit]")
    assert officer_page.locator("#id_case_number").input_value() == order.case_number
    assert officer_page.locator("#id_window_start").input_value()
    screenshot(officer_page, "ops-footage-form-from-hit")
    officer_page.fill("#id_purpose", "도주 경로 확인")
    officer_page.click("[data-testid=footage-submit]")
    officer_page.wait_for_selector("[data-testid=footage-status]")
    request = FootageRequest.objects.get(sighting=hit)
    assert (request.camera, request.order, request.case_number) == (camera, order, order.case_number)

    officer_page.goto(live_daphne.url + "/")
    officer_page.wait_for_selector("#dashboard[data-socket=live]", timeout=5000)
    officer_page.locator(f"#hit-list li[data-id='{hit.id}']").click()
    expect(footage).to_have_attribute("data-status", "pending")

    # The operator decides from the dashboard's queue; the officer's card changes by itself.
    operator_page = new_page()
    log_in(operator_page, live_daphne, "operator", PASSWORD)
    queue = operator_page.locator("[data-testid=footage-queue]")
    expect(queue.locator(f"[data-footage-id='{request.id}']")).to_be_visible()
    screenshot(operator_page, "ops-centre-dashboard-queue")
    queue.locator("[data-testid=footage-open]").click()
    operator_page.fill("#id_reason", "해당 시간대 녹화 없음")
    operator_page.click("[data-testid=footage-deny]")
    expect(operator_page.locator("[data-testid=deny-reason]")).to_be_visible()
    assert operator_page.url.endswith(f"/footage/{request.id}/")
    operator_page.reload()  # a reload after deciding sends nothing again
    screenshot(operator_page, "ops-footage-decided")
    expect(footage).to_have_attribute("data-status", "denied", timeout=LIVE_WITHIN_MS)
    screenshot(officer_page, "ops-hit-card-denied")
    request.refresh_from_db()
    assert request.status == "denied"


def test_the_operator_adds_switches_off_and_retires_a_camera(live_daphne, new_page, operator, municipality, camera):
    page = new_page()
    log_in(page, live_daphne, "operator", PASSWORD)
    page.goto(f"{live_daphne.url}/municipalities/{municipality.code}/cameras/")
    page.wait_for_selector("#camera-map[data-ready=true]")
    page.fill("#id_code", "11380-C077")
    page.fill("#id_name", "은평구 연서로 7번 교차로")
    page.locator("#camera-map").click(position={"x": 120, "y": 140})
    assert page.locator("#id_lat").input_value() and page.locator("#id_lon").input_value()
    page.click("[data-testid=camera-add-submit]")
    expect(page.locator("tr[data-camera='11380-C077']")).to_be_visible()
    added = Camera.objects.get(code="11380-C077")
    assert added.lat != municipality.lat

    page.locator(f"tr[data-camera='{camera.code}'] [data-testid=reading-off]").click()
    expect(page.locator(f"tr[data-camera='{camera.code}'] [data-testid=reading-on]")).to_be_visible()
    screenshot(page, "ops-cameras-list")

    page.locator("tr[data-camera='11380-C077'] [data-testid=camera-edit]").click()
    page.wait_for_selector("#camera-map[data-ready=true]")
    page.fill("#id_name", "은평구 연서로 7번 교차로 (이전)")
    screenshot(page, "ops-camera-edit")
    page.click("[data-testid=camera-save]")
    page.locator("tr[data-camera='11380-C077'] [data-testid=camera-edit]").click()
    page.check("#id_confirm")
    page.click("[data-testid=camera-retire]")
    expect(page.locator("tr[data-camera='11380-C077'] [data-testid=retired]")).to_be_visible()
    added.refresh_from_db()
    camera.refresh_from_db()
    assert (added.name, added.active, camera.reads_plates) == ("은평구 연서로 7번 교차로 (이전)", False, False)
