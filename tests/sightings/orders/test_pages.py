"""Officer pages for wanted orders and the operator's look-back setting."""

from __future__ import annotations

import datetime as dt

import pytest

from sightings.models import OrderEvent, WantedOrder
from tests.factories import camera_make, order_make, sighting_make
from tests.live import log_in, screenshot
from tests.queries import access_log_queries

PASSWORD = "correct-horse-battery"


def add_sighting(order, camera, minutes_ago, **extra):
    return sighting_make(order, camera, seen_ago=dt.timedelta(minutes=minutes_ago), **extra)


def console_problem(message) -> str:
    url = message.location.get("url", "")
    # The app has no favicon yet; the browser asks for one on its own.
    return "" if url.endswith("/favicon.ico") else f"{message.text} at {url}"


def trail_cameras(municipality, other_municipality):
    """A northbound road through 서초구 into 은평구, and cameras around its end."""
    road = [
        camera_make(municipality=other_municipality, code=f"R{n}", name=f"강남대로 {n}", lat=lat, lon=lon)
        for n, (lat, lon) in enumerate([(37.48, 127.03), (37.50, 127.02), (37.53, 127.00)])
    ]
    road += [
        camera_make(municipality=municipality, code=f"R{n}", name=f"통일로 {n}", lat=lat, lon=lon)
        for n, (lat, lon) in enumerate([(37.60, 126.94), (37.62, 126.93)], start=3)
    ]
    around = [
        camera_make(municipality=municipality, code=f"N{n}", name=f"연서로 {n}", lat=lat, lon=lon)
        for n, (lat, lon) in enumerate([(37.64, 126.92), (37.63, 126.935), (37.61, 126.935), (37.625, 126.915)])
    ]
    return road, around


@pytest.mark.django_db
def test_the_order_list_shows_every_agencys_orders_with_a_fixed_number_of_queries(
    client, officer, other_officer, camera, django_assert_num_queries
):
    for n in range(4):
        issuer = officer if n % 2 else other_officer
        order = order_make(
            issued_by=issuer, plate=f"1{n}가345{n}", case_number=f"C{n}", expires_in=dt.timedelta(days=1)
        )
        add_sighting(order, camera, 5)
    client.force_login(officer)
    # session, user, agency (header), one page of orders with their kept counts (no COUNT: paged by position),
    # session save (savepoint, update, release)
    with django_assert_num_queries(7 + access_log_queries()):
        response = client.get("/orders/")
    assert response.status_code == 200
    assert response.content.decode().count('class="plate"') == 4


@pytest.mark.django_db
@pytest.mark.parametrize("role_user", ["operator", "auditor"])
def test_other_roles_get_no_order_pages(client, request, order, role_user):
    client.force_login(request.getfixturevalue(role_user))
    assert client.get("/orders/").status_code == 403
    assert client.get("/orders/new/").status_code == 403
    assert client.get(f"/orders/{order.id}/").status_code == 403


@pytest.mark.django_db
def test_an_officer_issues_an_order_from_the_form(client, officer, django_capture_on_commit_callbacks):
    client.force_login(officer)
    assert client.get("/orders/new/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/orders/new/",
            {
                "plate": "12가 3456",
                "crime": "kidnapping",
                "legal_basis": "18-2-3",
                "urgency_confirmed_by": "경감 김민수",
                "priority": "urgent",
                "vehicle_colour": "흰색",
            },
        )
    order = WantedOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.id}/"
    assert (order.plate, order.vehicle, order.agency) == ("12가3456", {"colour": "흰색"}, officer.agency)


@pytest.mark.django_db
def test_the_form_explains_a_refusal_and_writes_nothing(client, officer):
    client.force_login(officer)
    response = client.post(
        "/orders/new/",
        {"plate": "12가3456", "crime": "murder", "legal_basis": "18-2-10", "case_number": "C", "priority": "high"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert 'data-testid="error-legal_basis"' in response.content.decode()
    assert not WantedOrder.objects.exists()


@pytest.mark.django_db
def test_the_order_page_shows_trail_timeline_last_seen_and_next_cameras_in_a_fixed_number_of_queries(
    client, officer, order, municipality, other_municipality, django_assert_num_queries
):
    road, around = trail_cameras(municipality, other_municipality)
    for n, camera in enumerate(road):
        add_sighting(order, camera, minutes_ago=50 - 10 * n, retrospective=n == 0)
    OrderEvent.objects.create(order=order, kind="created", actor=officer)
    client.force_login(officer)
    # session, user, order, the trail's recent sightings and their cameras, one page of the table, events, nearby
    # cameras, footage asked about the page's rows, agency (header), session save (3)
    with django_assert_num_queries(13 + access_log_queries()):
        response = client.get(f"/orders/{order.id}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    trail = response.context["trail"]
    assert [trail.cameras[stop.key].code for stop in trail.stops] == ["R0", "R1", "R2", "R3", "R4"]
    assert [s.camera.code for s in response.context["timeline"]] == ["R4", "R3", "R2", "R1", "R0"]
    assert [m.code for m in trail.municipalities] == ["11650", "11380"]
    predicted = [camera.code for camera, _ in trail.next_cameras]
    # Ahead (north-north-west) first, the one back towards the last camera but one last; passed cameras left out.
    assert set(predicted[:3]) == {"N0", "N1", "N3"} and predicted[-1] == "N2"
    assert all(prediction.ahead for _, prediction in trail.next_cameras[:3])
    assert "10\xa0minutes ago" in html or "10 minutes ago" in html
    assert 'id="order-map-data"' in html and "Look-back" in html
    assert 'data-testid="order-actions"' in html


@pytest.mark.django_db
def test_an_officer_of_another_agency_sees_the_order_but_not_its_actions(client, order, other_officer):
    client.force_login(other_officer)
    response = client.get(f"/orders/{order.id}/")
    assert response.status_code == 200
    assert 'data-testid="order-actions"' not in response.content.decode()
    assert client.post(f"/orders/{order.id}/cancel/", {"cancel-reason": "not mine"}).status_code == 403
    order.refresh_from_db()
    assert order.status == WantedOrder.Status.ACTIVE


@pytest.mark.django_db
def test_the_issuing_agency_cancels_and_renews_from_the_page(client, officer, order):
    client.force_login(officer)
    response = client.post(f"/orders/{order.id}/renew/", {"renew-reason": ""})
    assert response.status_code == 302
    assert not OrderEvent.objects.filter(order=order).exists()

    client.post(f"/orders/{order.id}/renew/", {"renew-reason": "still fleeing"})
    client.post(f"/orders/{order.id}/cancel/", {"cancel-reason": "issued in error"})
    order.refresh_from_db()
    assert order.status == WantedOrder.Status.CANCELLED
    assert list(OrderEvent.objects.filter(order=order).values_list("kind", "reason")) == [
        ("renewed", "still fleeing"),
        ("cancelled", "issued in error"),
    ]
    assert client.get(f"/orders/{order.id}/renew/").status_code == 405


@pytest.mark.django_db
def test_an_operator_switches_the_look_back_buffer_of_their_municipality(client, operator, municipality):
    client.force_login(operator)
    url = f"/municipalities/{municipality.code}/lookback/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"lookback_retention_hours": "24"}).status_code == 302
    municipality.refresh_from_db()
    assert municipality.lookback_retention_hours == 24

    refused = client.post(url, {"lookback_retention_hours": "500"})
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    client.post(url, {"lookback_retention_hours": "0"})
    municipality.refresh_from_db()
    assert municipality.lookback_retention_hours == 0


@pytest.mark.django_db
@pytest.mark.parametrize("role_user", ["other_operator", "officer", "auditor"])
def test_nobody_else_sees_or_changes_a_municipalitys_look_back_setting(client, request, municipality, role_user):
    client.force_login(request.getfixturevalue(role_user))
    url = f"/municipalities/{municipality.code}/lookback/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"lookback_retention_hours": "24"}).status_code == 404
    municipality.refresh_from_db()
    assert municipality.lookback_retention_hours == 0


@pytest.mark.browser
def test_the_order_page_draws_the_trail_on_the_offline_map(
    live_daphne, new_page, officer, order, municipality, other_municipality
):
    road, around = trail_cameras(municipality, other_municipality)
    for n, camera in enumerate(road):
        add_sighting(order, camera, minutes_ago=50 - 10 * n, verification="confirmed" if n == 4 else "unverified")
    OrderEvent.objects.create(order=order, kind="created", actor=officer)
    page = new_page("en-US")
    requests, problems = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda message: message.type == "error" and problems.append(console_problem(message)))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    log_in(page, live_daphne, officer.username, PASSWORD)
    page.goto(f"{live_daphne.url}/orders/{order.id}/")
    page.wait_for_selector("#order-map[data-ready='true'][data-basemap-loaded='true']")
    assert page.locator("#order-map path.leaflet-interactive").count() >= 5  # trail line and markers
    assert page.locator(".trail-label").count() == 5
    assert page.locator("[data-testid='timeline'] tbody tr").count() == 5
    assert "ago" in page.locator("[data-testid='since-last-seen']").inner_text()
    assert page.locator(".next-cameras li").count() >= 3
    assert all(url.startswith(live_daphne.url) for url in requests), "everything is served by the app"
    assert [problem for problem in problems if problem] == []
    screenshot(page, "order-trail")


@pytest.mark.browser
def test_an_officer_issues_an_order_in_the_browser_and_the_form_offers_only_the_allowed_bases(
    live_daphne, new_page, officer, other_officer
):
    order_make(
        issued_by=other_officer,
        plate="34나5678",
        crime="murder",
        case_number="2026-BUSAN-7",
        priority="urgent",
        expires_in=dt.timedelta(days=2),
    )
    page = new_page("en-US")
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(console_problem(message)))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    log_in(page, live_daphne, officer.username, PASSWORD)
    page.click("nav.mainnav >> text=Orders")
    page.click("[data-testid='order-new']")
    # The form's script is deferred: on a busy machine the click's navigation can commit before it runs.
    page.wait_for_load_state("load")
    page.select_option("#id_crime", "missing-child")
    assert page.input_value("#id_legal_basis") == "18-2-3"
    assert page.locator("#id_legal_basis option[value='18-2-7']").is_disabled()
    page.fill("#id_plate", "123가4567")
    page.fill("#id_urgency_confirmed_by", "경감 김민수 (112 상황팀장)")
    page.select_option("#id_priority", "urgent")
    page.fill("#id_vehicle_colour", "흰색")
    page.fill("#id_vehicle_model", "쏘나타")
    screenshot(page, "order-form")
    page.click("button[type=submit].primary")
    page.wait_for_selector("[data-testid='order-plate']")
    assert page.inner_text("[data-testid='order-plate']") == "123가4567"
    assert "Not seen yet" in page.inner_text("[data-testid='since-last-seen']")
    page.click("nav.mainnav >> text=Orders")
    page.wait_for_selector("[data-testid='orders-table']")
    assert page.locator("[data-testid='orders-table'] tbody tr").count() == 2
    screenshot(page, "order-list")
    assert [problem for problem in problems if problem] == []
