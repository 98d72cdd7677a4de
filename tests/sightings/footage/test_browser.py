"""Footage end to end in two browser sessions: the officer asks, the centre approves, the officer sees it live."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.models import AccessLogEntry, DisclosureEntry
from sightings.models import FootageRequest
from tests.conftest import PASSWORD
from tests.live import log_in, screenshot
from tests.sightings.footage.helpers import MP4, make_sighting

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_officer_requests_operator_approves_and_the_officer_downloads_live(
    live_daphne, new_page, officer, operator, order, camera, tmp_path
):
    sighting = make_sighting(order, camera)

    # The officer asks for footage about the sighting.
    officer_page = new_page(locale="en-US")
    log_in(officer_page, live_daphne, "officer", PASSWORD)
    officer_page.goto(f"{live_daphne.url}/footage/new/?sighting={sighting.pk}")
    officer_page.fill("#id_purpose", "Escape route of the robbery suspect after the hit at the crossing")
    officer_page.check("#id_urgent")
    screenshot(officer_page, "footage-officer-request-form")
    officer_page.click("[data-testid=footage-submit]")
    officer_page.wait_for_load_state("networkidle")
    footage_request = FootageRequest.objects.get()
    assert officer_page.url.endswith(f"/footage/{footage_request.pk}/")
    officer_page.wait_for_selector("body[data-footage-socket=open]")
    # A marker that a reload would wipe: the page must update in place.
    officer_page.evaluate("window.__notReloaded = true")
    assert officer_page.locator("[data-testid=footage-status]").inner_text() == "Waiting for a decision"
    screenshot(officer_page, "footage-officer-waiting")

    # The centre operator, in another browser session, finds it in the queue and approves with a clip.
    operator_page = new_page(locale="en-US")
    log_in(operator_page, live_daphne, "operator", PASSWORD)
    operator_page.click("nav.mainnav >> text=Footage queue")
    operator_page.wait_for_load_state("networkidle")
    assert operator_page.locator(f"tr[data-footage-id='{footage_request.pk}'].row-urgent").count() == 1
    screenshot(operator_page, "footage-operator-queue")
    operator_page.click(f"tr[data-footage-id='{footage_request.pk}'] a")
    operator_page.wait_for_load_state("networkidle")
    clip = tmp_path / "escape-route.mp4"
    clip.write_bytes(MP4)
    operator_page.set_input_files("#id_files", str(clip))
    operator_page.check("#id_attach_sighting_photos")
    screenshot(operator_page, "footage-operator-decide")
    operator_page.click("[data-testid=footage-approve]")
    operator_page.wait_for_load_state("networkidle")
    assert operator_page.locator("[data-testid=footage-status]").inner_text() == "Approved"
    screenshot(operator_page, "footage-operator-approved")

    # The officer's page turns to approved by itself, with download links, without a reload.
    officer_page.wait_for_selector("[data-testid=footage-download]", timeout=10_000)
    assert officer_page.evaluate("window.__notReloaded") is True
    assert officer_page.locator("[data-testid=footage-status]").inner_text() == "Approved"
    screenshot(officer_page, "footage-officer-approved-live")
    assert DisclosureEntry.objects.filter(footage_request_id=footage_request.pk).count() == 1

    with officer_page.expect_download() as download_info:
        officer_page.locator("tr", has_text="escape-route.mp4").locator("[data-testid=footage-download]").click()
    download = download_info.value
    assert download.suggested_filename == "escape-route.mp4"
    assert Path(download.path()).read_bytes() == MP4
    assert AccessLogEntry.objects.filter(action="footage.download", outcome="allowed", actor=officer).count() == 1
