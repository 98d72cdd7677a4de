"""The live dashboards in a real browser: a read posted through the API appears at once and a verification by
one officer reaches another officer's screen without a reload."""

from __future__ import annotations

import base64
import json
import time
import urllib.request
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.services import api_key_create
from sightings.models import Camera
from tests.conftest import PASSWORD
from tests.factories import unit_make
from tests.live import log_in, screenshot
from tests.sightings.live.helpers import make_order

pytestmark = pytest.mark.browser

LIVE_WITHIN_MS = 2000


def plate_photo(new_page, text: str) -> str:
    """A JPEG of a plate drawn by the browser itself, base64 as the reads API takes it."""
    page = new_page()
    page.set_content(
        '<body style="margin:0"><div id="p" style="display:inline-block;padding:6px 14px;background:#fff;'
        "border:3px solid #222;border-radius:6px;font:bold 34px 'Noto Sans CJK KR',sans-serif;letter-spacing:2px\">"
        f"{text}</div></body>"
    )
    return base64.b64encode(page.locator("#p").screenshot(type="jpeg", quality=80)).decode()


def post_read(server, key: str, camera: Camera, plate: str, photo: str | None = None) -> dict:
    read = {
        "read_id": str(uuid.uuid4()),
        "camera": camera.code,
        "plate": plate,
        "seen_at": timezone.now().isoformat(),
        "confidence": 0.91,
    }
    if photo:
        read["plate_image"] = photo
    request = urllib.request.Request(  # noqa: S310 - the test's own loopback server
        f"{server.url}/api/v1/reads/",
        data=json.dumps({"reads": [read]}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 202
        return json.loads(response.read())


def test_a_hit_reaches_the_dashboards_live_and_a_confirmation_reaches_the_other_officer(
    live_daphne, new_page, officer, other_officer, operator, order, camera, municipality, settings, tmp_path
):
    Camera.objects.create(
        municipality=municipality, code="11380-C002", name="은평구 연서로 사거리", lat=37.61, lon=126.92
    )
    urgent = make_order(officer, plate="34나5678", priority="urgent")
    _, integration_key = api_key_create(municipality=municipality, name="은평 통합플랫폼")
    unit_make(agency=officer.agency, call_sign="은평12")

    first, second = new_page(), new_page()
    log_in(first, live_daphne, "officer", PASSWORD)
    log_in(second, live_daphne, "officer-elsewhere", PASSWORD)
    for page in (first, second):
        page.wait_for_selector("#dashboard[data-socket=live]", timeout=5000)
    assert first.locator("#hit-list li").count() == 0

    photo = plate_photo(new_page, "12가 3456")
    started = time.monotonic()
    post_read(live_daphne, integration_key, camera, "12가3456", photo)
    first.wait_for_selector("#hit-list li[data-id]", timeout=LIVE_WITHIN_MS)
    second.wait_for_selector("#hit-list li[data-id]", timeout=LIVE_WITHIN_MS)
    assert (time.monotonic() - started) * 1000 < LIVE_WITHIN_MS + 1000
    assert first.locator("#hit-list li .plate").first.inner_text() == "12가3456"
    # The newest hit opens in the card with its photo beside the wanted plate.
    first.wait_for_selector("#hit-card .plate-photo img")
    assert int(first.locator("#dashboard").get_attribute("data-beeps")) == 1

    # An urgent order's hit, then a possible misread of it (6 read as 9).
    post_read(live_daphne, integration_key, camera, "34나5678")
    post_read(live_daphne, integration_key, camera, "34나5679")
    expect(first.locator("#hit-list li[data-id]")).to_have_count(3, timeout=LIVE_WITHIN_MS)
    assert first.locator("#hit-list li.urgent").count() == 2
    first.locator("#hit-list li", has_text="34나5679").click()
    assert first.locator("[data-testid=misread-banner]").is_visible()
    assert first.locator("#hit-card .ch.differs").count() == 2  # the differing character, on both rows
    assert first.locator("#hit-card button[data-action=dispatch]").is_disabled()
    screenshot(first, "dashboard-officer-misread")

    # Officer one confirms the first hit; officer two sees it without reloading.
    first.locator("#hit-list li", has_text="12가3456").click()
    first.click("#hit-card button[data-action=verify]:not([data-verdict])")
    first.wait_for_selector("#hit-card[data-verification=confirmed]", timeout=LIVE_WITHIN_MS)
    second.wait_for_selector("#hit-list li[data-verification=confirmed]", timeout=LIVE_WITHIN_MS)
    first.fill("#hit-card .unit-input", "은평12")
    first.click("#hit-card button[data-action=dispatch]")
    second.wait_for_selector("#hit-list li .badge.dispatched", timeout=LIVE_WITHIN_MS)
    assert "은평12" in second.locator("#hit-list li .badge.dispatched").inner_text()
    screenshot(first, "dashboard-officer")
    screenshot(second, "dashboard-officer-second-session")

    # The centre sees its municipality's hits and cameras, without the police buttons.
    centre = new_page()
    log_in(centre, live_daphne, "operator", PASSWORD)
    centre.wait_for_selector("#dashboard[data-socket=live]", timeout=5000)
    assert centre.locator("#hit-list li[data-id]").count() == 3
    assert centre.locator("[data-testid=camera-list] tbody tr").count() == 2
    assert centre.locator("#hit-card button").count() == 0
    post_read(live_daphne, integration_key, camera, "34나5678")
    expect(centre.locator("#hit-list li[data-id]")).to_have_count(4, timeout=LIVE_WITHIN_MS)
    screenshot(centre, "dashboard-operator")
    assert urgent.sightings.count() == 3


def test_a_dashboard_catches_up_after_losing_its_connection(
    live_daphne, new_page, officer, order, camera, municipality
):
    _, integration_key = api_key_create(municipality=municipality, name="은평 통합플랫폼")
    page = new_page()
    log_in(page, live_daphne, "officer", PASSWORD)
    page.wait_for_selector("#dashboard[data-socket=live]", timeout=5000)
    post_read(live_daphne, integration_key, camera, "12가3456")
    page.wait_for_selector("#hit-list li[data-id]", timeout=LIVE_WITHIN_MS)

    # Cut the network: the socket drops and the script keeps retrying with back-off until it is back.
    page.context.set_offline(True)
    page.evaluate("document.getElementById('dashboard').wasswebSocket.socket.close()")
    page.wait_for_selector("#dashboard[data-socket=reconnecting]", timeout=5000)
    post_read(live_daphne, integration_key, camera, "12가3456")
    post_read(live_daphne, integration_key, camera, "12가3456")
    assert page.locator("#hit-list li[data-id]").count() == 1
    page.context.set_offline(False)
    expect(page.locator("#hit-list li[data-id]")).to_have_count(3, timeout=10000)
    seqs = [int(s) for s in page.locator("#hit-list li").evaluate_all("items => items.map(i => i.dataset.seq)")]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == 3
