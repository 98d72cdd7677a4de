"""Zoomed in, the maps show the 읍면동 of the municipalities in view and the cameras' names, all served by the app."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from sightings.models import OrderEvent
from tests.factories import camera_make, sighting_make
from tests.live import SCREENSHOTS, log_in, screenshot

PASSWORD = "correct-horse-battery"
EUNPYEONG_PLACES = {"불광동", "갈현동", "대조동", "녹번동", "역촌동", "구산동", "응암동", "진관동"}


def watch(page, server):
    """The basemap files the page asked for, and anything that went wrong."""
    places, problems = [], []
    page.on("request", lambda r: "/static/geo/emd/" in r.url and places.append(r.url.rsplit("/", 1)[1]))
    page.on("request", lambda r: r.url.startswith(server.url) or problems.append(f"outside the app: {r.url}"))
    page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico") and problems.append(r.url))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    return places, problems


def place_labels(page, selector: str) -> set[str]:
    return set(page.locator(f"{selector} .map-label.place").all_inner_texts())


@pytest.mark.browser
def test_the_camera_page_names_the_towns_around_and_the_cameras(live_daphne, new_page, operator, municipality):
    camera_make(municipality=municipality, code="C1", name="통일로 불광역", lat=37.6104, lon=126.9297)
    camera_make(municipality=municipality, code="C2", name="연서로 구산역", lat=37.6115, lon=126.9175)
    page = new_page("ko-KR")
    places, problems = watch(page, live_daphne)
    log_in(page, live_daphne, operator.username, PASSWORD)
    places.clear()  # the operator's home has a map of its own
    page.goto(f"{live_daphne.url}/municipalities/11380/cameras/")
    page.wait_for_selector("#camera-map[data-places-loaded~='11380'] .map-label.place")
    assert place_labels(page, "#camera-map") & EUNPYEONG_PLACES
    assert {"통일로 불광역", "연서로 구산역"} <= set(page.locator("#camera-map .map-label.camera").all_inner_texts())
    # Only the municipalities in view are fetched: 은평구 and its neighbours, not the country's 250.
    assert "11380.geojson" in places and len(places) <= 12
    assert "국토지리정보원" in page.locator("#camera-map .leaflet-control-attribution").inner_text()
    assert problems == []
    screenshot(page, "basemap-camera-page")


@pytest.mark.browser
def test_the_operators_live_map_names_the_towns_around_its_cameras(live_daphne, new_page, operator, municipality):
    camera_make(municipality=municipality, code="C1", name="통일로 불광역", lat=37.6104, lon=126.9297)
    camera_make(municipality=municipality, code="C2", name="수색로 증산", lat=37.5836, lon=126.9046)
    page = new_page("ko-KR")
    places, problems = watch(page, live_daphne)
    log_in(page, live_daphne, operator.username, PASSWORD)
    page.wait_for_selector("#dashboard[data-basemap='loaded'] #hit-map[data-places-loaded~='11380'] .map-label.place")
    assert place_labels(page, "#hit-map") & EUNPYEONG_PLACES
    assert "11380.geojson" in places and len(places) < 60
    assert problems == []
    screenshot(page, "basemap-operator-dashboard")


@pytest.mark.browser
def test_zooming_in_on_the_order_map_shows_the_towns_and_cameras_of_the_trail(
    live_daphne, new_page, officer, order, municipality, other_municipality
):
    road = [
        camera_make(municipality=other_municipality, code="R1", name="강남대로 양재", lat=37.48, lon=127.03),
        camera_make(municipality=municipality, code="R2", name="통일로 불광", lat=37.615, lon=126.93),
    ]
    for n, camera in enumerate(road):
        sighting_make(order, camera, seen_ago=dt.timedelta(minutes=30 - 10 * n))
    OrderEvent.objects.create(order=order, kind="created", actor=officer)
    page = new_page("ko-KR")
    places, problems = watch(page, live_daphne)
    log_in(page, live_daphne, officer.username, PASSWORD)
    places.clear()  # the officer's home has a map of its own
    page.goto(f"{live_daphne.url}/orders/{order.id}/")
    page.wait_for_selector("#order-map[data-ready='true'][data-basemap-loaded='true']")
    # The whole trail from 서초 to 은평 is in view: the country's outlines only, no town yet.
    assert page.locator("#order-map .map-label").count() == 0 and places == []

    last_stop = page.locator("#order-map .trail-label", has_text="2").bounding_box()
    page.mouse.move(last_stop["x"] + last_stop["width"] / 2, last_stop["y"] + last_stop["height"] / 2)
    page.mouse.wheel(0, -240)
    page.wait_for_selector("#order-map[data-places-loaded~='11380'] .map-label.place")
    assert place_labels(page, "#order-map") & EUNPYEONG_PLACES
    assert "통일로 불광" in page.locator("#order-map .map-label.camera").all_inner_texts()
    assert "11380.geojson" in places and len(places) <= 12
    screenshot(page, "basemap-order-zoomed")
    page.locator("#order-map").screenshot(path=str(SCREENSHOTS / "basemap-order-map.png"))

    page.mouse.wheel(0, 480)  # and back out: the names go with the detail
    expect(page.locator("#order-map .map-label")).to_have_count(0)
    assert problems == []
