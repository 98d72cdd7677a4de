"""The officer's dashboard keeps the hit the officer chose: new hits are announced, never swapped in, every
action lands on and names the chosen plate, the keyboard moves through the list, and times read in KST
whatever zone the browser is in."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.services import api_key_create
from sightings.models import Sighting
from tests.conftest import PASSWORD
from tests.factories import unit_make
from tests.live import log_in, screenshot
from tests.sightings.live.helpers import make_hit, make_order
from tests.sightings.test_dashboard_browser import LIVE_WITHIN_MS, post_read

pytestmark = pytest.mark.browser


def card_id(page) -> str | None:
    return page.locator("#hit-card").get_attribute("data-id")


def test_an_urgent_hit_for_another_vehicle_leaves_the_chosen_hit_and_its_actions_alone(
    live_daphne, new_page, officer, order, camera, municipality
):
    make_order(officer, plate="68보1029", priority="urgent")
    chosen = make_hit(order, camera)
    _, integration_key = api_key_create(municipality=municipality, name="은평 통합플랫폼")
    unit_make(agency=officer.agency, call_sign="은평12")
    page = new_page()
    log_in(page, live_daphne, "officer", PASSWORD)
    page.wait_for_selector("#dashboard[data-socket=live]", timeout=5000)
    page.locator(f"#hit-list li[data-id='{chosen.id}']").click()
    assert card_id(page) == str(chosen.id)
    assert page.locator("[data-testid=new-hits]").is_hidden()

    # An urgent order's vehicle passes: it is announced (tone, highlight, count) but the card stays.
    post_read(live_daphne, integration_key, camera, "68보1029")
    expect(page.locator("#hit-list li[data-id]")).to_have_count(2, timeout=LIVE_WITHIN_MS)
    assert card_id(page) == str(chosen.id)
    expect(page.locator("#hit-list li.urgent")).to_have_class(re.compile(r"\bunseen\b"))
    assert int(page.locator("#dashboard").get_attribute("data-beeps")) == 1
    expect(page.locator("[data-testid=unseen-urgent]")).to_be_visible()
    assert "1" in page.locator("[data-testid=unseen-urgent]").inner_text()
    assert page.locator("#hit-card .actions-for .plate").inner_text() == "12가3456"

    # Confirm, then another urgent hit, then dispatch: both land on the chosen plate and say so.
    page.click("#hit-card button[data-action=verify]:not([data-verdict])")
    page.wait_for_selector("#hit-card[data-verification=confirmed]", timeout=LIVE_WITHIN_MS)
    assert "12가3456" in page.locator("[data-testid=action-done]").inner_text()
    post_read(live_daphne, integration_key, camera, "68보1029")
    expect(page.locator("#hit-list li[data-id]")).to_have_count(3, timeout=LIVE_WITHIN_MS)
    expect(page.locator("[data-testid=new-hits]")).to_have_attribute("data-unseen-urgent", "2")
    page.fill("#hit-card .unit-input", "은평12")
    page.click("#hit-card button[data-action=dispatch]")
    expect(page.locator("[data-testid=action-done]")).to_contain_text("은평12", timeout=LIVE_WITHIN_MS)
    assert "12가3456" in page.locator("[data-testid=action-done]").inner_text()
    assert card_id(page) == str(chosen.id)
    screenshot(page, "dashboard-officer-announced")

    chosen.refresh_from_db()
    assert (chosen.verification, chosen.dispatched_unit) == ("confirmed", "은평12")
    others = Sighting.objects.exclude(pk=chosen.pk)
    assert {(s.plate, s.verification, s.dispatched_unit) for s in others} == {("68보1029", "unverified", "")}

    # The jump key opens the newest unseen urgent hit and the count goes down.
    newest = page.locator("#dashboard").get_attribute("data-last-hit")
    assert newest in {str(s.pk) for s in others}
    page.keyboard.press("n")
    expect(page.locator("#hit-card")).to_have_attribute("data-id", newest)
    expect(page.locator("[data-testid=new-hits]")).to_have_attribute("data-unseen-urgent", "1")
    page.keyboard.press("n")
    expect(page.locator("[data-testid=new-hits]")).to_be_hidden()


def test_the_keyboard_moves_through_the_hits_and_times_read_kst_in_a_utc_browser(
    live_daphne, chromium, officer, order, camera
):
    # 00:30 UTC is 09:30 in Seoul; the browser below runs in UTC, so only a KST rendering shows 09:30.
    start = dt.datetime(2026, 3, 1, 0, 30, tzinfo=dt.UTC)
    hits = [make_hit(order, camera) for _ in range(3)]
    for minutes, hit in enumerate(hits):
        Sighting.objects.filter(pk=hit.pk).update(
            seen_at=start + dt.timedelta(minutes=minutes),
            received_at=timezone.now() + dt.timedelta(seconds=minutes),
        )
    newest_first = [str(hit.id) for hit in reversed(hits)]

    context = chromium.new_context(locale="ko-KR", timezone_id="UTC", viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "UTC"
        log_in(page, live_daphne, "officer", PASSWORD)
        page.wait_for_selector("#dashboard[data-socket=live]", timeout=5000)
        assert page.locator("#hit-list li").evaluate_all("items => items.map(i => i.dataset.id)") == newest_first

        oldest_time = page.locator(f"#hit-list li[data-id='{hits[0].id}'] .hit-time").inner_text()
        assert oldest_time.endswith("09:30:00 KST"), oldest_time

        # j/k anywhere, the arrows in the list, Enter on a focused hit.
        page.keyboard.press("j")
        expect(page.locator("#hit-card")).to_have_attribute("data-id", newest_first[0])
        for key, expected in [("j", 1), ("ArrowDown", 2), ("ArrowDown", 2), ("k", 1), ("ArrowUp", 0)]:
            page.keyboard.press(key)
            expect(page.locator("#hit-card")).to_have_attribute("data-id", newest_first[expected])
        assert page.evaluate("document.activeElement.dataset.id") == newest_first[0]
        page.locator(f"#hit-list li[data-id='{newest_first[2]}']").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#hit-card")).to_have_attribute("data-id", newest_first[2])

        seen = page.locator("#hit-card .facts dd").nth(1).inner_text()
        assert seen.endswith("09:30:00 KST"), seen
        screenshot(page, "dashboard-officer-keyboard-kst")
    finally:
        context.close()
