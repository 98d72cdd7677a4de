"""A live view end to end in browser sessions: the officer asks, the centre approves, and the officer's player (and
the named unit's phone) plays the centre's HLS stream (ffmpeg's test picture served by the demo's stand-in video
server) until it is ended."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import User
from audit.models import DisclosureEntry
from sightings.bench import centre_video
from sightings.live_views.services import live_video_server_set
from sightings.models import LiveView
from tests.conftest import PASSWORD, _make_user
from tests.factories import unit_key_make, unit_make
from tests.live import log_in, screenshot
from tests.sightings.live_views.helpers import urgent_order_make

pytestmark = pytest.mark.browser


@pytest.fixture
def video(tmp_path: Path) -> Iterator[tuple[centre_video.CentreVideoServer, dict[str, bytes]]]:
    if centre_video.ffmpeg_path() is None:
        pytest.fail("ffmpeg is not installed (apt-get install ffmpeg)")
    directory = tmp_path / "live"
    stream = centre_video.test_stream_start(directory)
    secrets: dict[str, bytes] = {}
    server = centre_video.centre_video_serve(directory, secrets, host="127.0.0.1", port=0)
    try:
        assert centre_video.wait_for_playlist(directory, segments=3), "ffmpeg wrote no playlist"
        yield server, secrets
    finally:
        stream.terminate()
        stream.wait(10)
        server.stop()


def current_time(page, video: str = "live-video") -> float:
    return page.evaluate("(id) => document.getElementById(id).currentTime", video)


# Waits on the video's own timeupdate events (wait_for_function would evaluate a string, which the CSP forbids).
ADVANCED = """([beyond, ms, id]) => new Promise((resolve, reject) => {
  const video = document.getElementById(id);
  const check = () => { if (video.currentTime > beyond) resolve(video.currentTime); };
  video.addEventListener("timeupdate", check);
  check();
  setTimeout(() => reject(new Error("the picture did not move: " + video.currentTime)), ms);
})"""


def advanced(page, *, beyond: float, timeout_ms: int = 15_000, video: str = "live-video") -> float:
    return page.evaluate(ADVANCED, [beyond, timeout_ms, video])


def test_the_officers_player_plays_the_centres_stream_after_the_operator_approves(
    live_daphne, new_page, officer, operator, camera, municipality, video
):
    server, secrets = video
    _, secrets[municipality.code] = live_video_server_set(
        municipality=municipality, base_url=server.base_url(municipality.code)
    )
    urgent = urgent_order_make(officer)

    # The officer asks for the live picture of the camera the vehicle is heading to.
    officer_page = new_page(locale="en-US")
    log_in(officer_page, live_daphne, "officer", PASSWORD)
    officer_page.goto(f"{live_daphne.url}/live-views/new/?camera={camera.pk}&order={urgent.pk}")
    officer_page.fill("#id_reason", "Kidnapping in progress: confirm the van and its direction at the crossing")
    screenshot(officer_page, "live-view-officer-request-form")
    officer_page.click("[data-testid=live-view-submit]")
    officer_page.wait_for_load_state("networkidle")
    live_view = LiveView.objects.get()
    assert officer_page.url.endswith(f"/live-views/{live_view.pk}/")
    officer_page.wait_for_selector("body[data-live-view-socket=open]")
    officer_page.evaluate("window.__notReloaded = true")
    screenshot(officer_page, "live-view-officer-waiting")

    # The centre sees it at the top of its dashboard and approves for five minutes.
    operator_page = new_page(locale="en-US")
    log_in(operator_page, live_daphne, "operator", PASSWORD)
    row = operator_page.locator(f"tr[data-live-view-id='{live_view.pk}']")
    row.wait_for()
    screenshot(operator_page, "live-view-operator-queue")
    row.locator("[data-testid=live-view-open]").click()
    operator_page.wait_for_load_state("networkidle")
    operator_page.fill("#id_minutes", "5")
    screenshot(operator_page, "live-view-operator-decide")
    operator_page.click("[data-testid=live-view-approve]")
    operator_page.wait_for_load_state("networkidle")
    assert operator_page.locator("[data-testid=live-view-status]").inner_text() == "Approved"

    # The officer's page turns into a player by itself, and the picture moves.
    officer_page.wait_for_selector("[data-testid=live-player][data-state=playing]", timeout=30_000)
    assert officer_page.evaluate("window.__notReloaded") is True
    first = current_time(officer_page)
    assert advanced(officer_page, beyond=first + 1.5) > first + 1.5
    assert "4:" in officer_page.locator("[data-testid=live-view-time-left]").inner_text()
    screenshot(officer_page, "live-view-officer-playing")

    # The centre ends it early: the officer's player stops, and the ledger closes the session with its viewer.
    operator_page.reload()
    operator_page.click("[data-testid=live-view-end]")
    operator_page.wait_for_load_state("networkidle")
    officer_page.wait_for_selector("[data-testid=live-view-status]:text('Ended')", timeout=10_000)
    assert officer_page.locator("[data-testid=live-player]").count() == 0
    screenshot(officer_page, "live-view-officer-ended")
    end = DisclosureEntry.objects.get(kind=DisclosureEntry.Kind.LIVE_END, live_view_id=live_view.pk)
    assert [viewer["user"] for viewer in end.viewers] == ["officer"]
    assert DisclosureEntry.objects.filter(kind=DisclosureEntry.Kind.LIVE, live_view_id=live_view.pk).count() == 1


PHONE = {"width": 390, "height": 844}


def test_the_named_units_phone_plays_the_camera_once_approved_and_stops_when_the_centre_ends_it(
    live_daphne, chromium, new_page, officer, operator, agency, camera, municipality, video
):
    server, secrets = video
    _, secrets[municipality.code] = live_video_server_set(
        municipality=municipality, base_url=server.base_url(municipality.code)
    )
    urgent = urgent_order_make(officer)
    unit = unit_make(agency=agency, call_sign="은평12")
    car = _make_user("terminal-eunpyeong12", role=User.Role.OFFICER, agency=agency)
    unit_key = unit_key_make(unit=unit, user=car)

    # The car's phone is signed in with its unit key, waiting.
    phone_context = chromium.new_context(
        locale="ko-KR", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    try:
        phone = phone_context.new_page()
        phone.goto(f"{live_daphne.url}/unit/")
        phone.fill("#unit-key", unit_key)
        phone.click("#sign-in-form button[type=submit]")
        phone.wait_for_selector("#terminal[data-state=waiting][data-socket=live]", timeout=5000)
        live_box = phone.locator("[data-testid=unit-live-player]")
        assert live_box.is_hidden()

        # The officer asks for the camera and names the unit; the centre approves for five minutes.
        officer_page = new_page(locale="en-US")
        log_in(officer_page, live_daphne, "officer", PASSWORD)
        officer_page.goto(f"{live_daphne.url}/live-views/new/?camera={camera.pk}&order={urgent.pk}")
        officer_page.fill("#id_reason", "Kidnapping in progress: the nearest car should see the crossing")
        officer_page.select_option("#id_unit", "은평12")
        officer_page.click("[data-testid=live-view-submit]")
        officer_page.wait_for_load_state("networkidle")
        live_view = LiveView.objects.get()
        assert live_view.unit == unit
        assert live_box.is_hidden()  # a request is nothing for the car yet
        officer_page.goto("about:blank")  # the officer watches elsewhere: the phone is the one viewer here

        operator_page = new_page(locale="en-US")
        log_in(operator_page, live_daphne, "operator", PASSWORD)
        operator_page.goto(f"{live_daphne.url}/live-views/{live_view.pk}/")
        operator_page.fill("#id_minutes", "5")
        operator_page.click("[data-testid=live-view-approve]")
        operator_page.wait_for_load_state("networkidle")

        # The phone shows the player by itself, names the camera and the time left, and the picture moves.
        phone.wait_for_selector("[data-testid=unit-live-player][data-state=playing]", timeout=30_000)
        assert live_box.get_attribute("data-live-view") == str(live_view.pk)
        assert camera.name in phone.locator("[data-testid=unit-live-camera]").inner_text()
        assert "4:" in phone.locator("[data-testid=unit-live-time-left]").inner_text()
        first = current_time(phone, "unit-live-video")
        assert advanced(phone, beyond=first + 1.5, video="unit-live-video") > first + 1.5
        screenshot(phone, "unit-terminal-live-view")

        # The centre ends it: the phone's player stops at once.
        operator_page.reload()
        operator_page.click("[data-testid=live-view-end]")
        operator_page.wait_for_load_state("networkidle")
        expect(live_box).to_have_attribute("data-state", "ended", timeout=5000)
        assert phone.evaluate("(id) => document.getElementById(id).paused", "unit-live-video") is True
        assert phone.locator("[data-testid=unit-live-video]").get_attribute("src") is None
        expect(phone.locator("#unit-live [data-live-state]")).to_have_text("실시간 영상이 종료되었습니다.")
        screenshot(phone, "unit-terminal-live-view-ended")
    finally:
        phone_context.close()
    end = DisclosureEntry.objects.get(kind=DisclosureEntry.Kind.LIVE_END, live_view_id=live_view.pk)
    assert [(viewer["unit"], viewer["user"]) for viewer in end.viewers] == [("은평12", "terminal-eunpyeong12")]
