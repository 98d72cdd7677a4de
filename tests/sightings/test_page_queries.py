"""The officer's and the operator's pages and APIs ask the database a fixed number of questions, however much
data there is: each page is requested on a small world and on one several times larger, and must stay within
the same pinned count on both (the pages of `manage.py benchmark pages`, docs/PERFORMANCE.md)."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import quote, urlencode

import pytest

from sightings.footage.selectors import footage_list_position, footage_requests_for
from sightings.models import Sighting, WantedOrder
from sightings.orders.selectors import keyset_cursor
from tests.factories import camera_make, footage_request_make, order_make, sighting_make

# Each page's queries, pinned. Besides the page's own reads, every request by a person costs its session, its
# user, the access-log entry (savepoint, chain lock, head, insert, the three counts of audit.access_counts,
# release) and the session save (three).
MAX_QUERIES = {
    # The ids of the first paint's hits and of their trails' points are read first (hits.selectors._ids_read).
    "officer dashboard": 18,
    "order list": 15,
    "order list, older page": 15,
    "order page": 21,
    "order page, older sightings": 21,
    "API orders": 14,
    "API order": 16,
    "API sightings": 14,
    "API sightings, next page": 14,
    # An order's and a centre's pages read their hits' ids first, through the order's or the cameras' index.
    "API sightings of an order": 15,
    "API sightings of an order, next page": 15,
    "API sighting": 14,
    # A footage list reads its page's ids from the list's index, then the page with its relations.
    "officer footage list": 16,
    "officer footage list, next page": 16,
    "API footage requests": 14,
    "operator dashboard": 22,  # with the live-view queue at its top
    "operator API sightings": 16,
    "operator API sightings, next page": 16,
    "operator footage queue": 17,
    "footage request": 17,
    # Anonymous: no session, no person; the month's counts and the published chain heads.
    "transparency": 11,
}


def world(*, officer, operator, municipality, orders: int, sightings_per_order: int, tag: str):
    """Orders of the officer's agency, each seen by the operator's cameras, with footage asked about each."""
    cameras = [
        camera_make(municipality=municipality, code=f"{tag}{n}", name=f"road {n}", lat=37.6 + n / 100, lon=126.9)
        for n in range(4)
    ]
    made = []
    for n in range(orders):
        order = order_make(issued_by=officer, plate=f"{10 + n}{tag}{1000 + n}", case_number=f"{tag}-{n}")
        for k in range(sightings_per_order):
            sighting = sighting_make(order, cameras[k % len(cameras)], seen_ago=dt.timedelta(minutes=5 + k))
        footage_request_make(order=order, camera=cameras[0], requested_by=officer, sighting=sighting)
        made.append(order)
    return made


def pages(orders: list[WantedOrder]) -> dict[str, tuple[str, str]]:
    """Page name -> (who asks, path), about the world's first and busiest order."""
    order = orders[0]
    newest = Sighting.objects.filter(order=order).order_by("-seen_at", "-id").first()
    footage = order.footage_requests.first()
    oldest_shown = Sighting.objects.filter(order=order).order_by("-seen_at", "-id")[1]
    second_received = Sighting.objects.filter(order=order).order_by("-received_at", "-id")[1]
    after_hit = api_cursor(keyset_cursor(second_received, time_field="received_at"))
    first_listed = footage_requests_for(order.issued_by).first()  # the next page after it has the others
    return {
        "officer dashboard": ("officer", "/"),
        "order list": ("officer", "/orders/"),
        "order list, older page": ("officer", f"/orders/?after={keyset_cursor(orders[1], time_field='created_at')}"),
        "order page": ("officer", f"/orders/{order.pk}/"),
        "order page, older sightings": (
            "officer",
            f"/orders/{order.pk}/?before={keyset_cursor(oldest_shown, time_field='seen_at')}",
        ),
        "API orders": ("officer", "/api/v1/orders/"),
        "API order": ("officer", f"/api/v1/orders/{order.pk}/"),
        "API sightings": ("officer", "/api/v1/sightings/"),
        "API sightings, next page": ("officer", f"/api/v1/sightings/?cursor={after_hit}"),
        "API sightings of an order": ("officer", f"/api/v1/sightings/?order={order.pk}"),
        "API sightings of an order, next page": ("officer", f"/api/v1/sightings/?order={order.pk}&cursor={after_hit}"),
        "API sighting": ("officer", f"/api/v1/sightings/{newest.pk}/"),
        "officer footage list": ("officer", "/footage/"),
        "officer footage list, next page": ("officer", f"/footage/?after={footage_list_position(first_listed)}"),
        "API footage requests": ("officer", "/api/v1/footage-requests/"),
        "operator dashboard": ("operator", "/"),
        "operator API sightings": ("operator", "/api/v1/sightings/"),
        "operator API sightings, next page": ("operator", f"/api/v1/sightings/?cursor={after_hit}"),
        "operator footage queue": ("operator", "/footage/"),
        "footage request": ("operator", f"/footage/{footage.pk}/"),
        "transparency": ("anonymous", "/transparency/"),
    }


def api_cursor(position: str) -> str:
    """The API's opaque cursor for a page after this position, as its `next` link carries it."""
    return quote(base64.b64encode(urlencode({"p": position}).encode()).decode())


def queries_per_page(client, people: dict, orders: list[WantedOrder], assert_max_queries) -> dict[str, int]:
    counts = {}
    for name, (role, path) in pages(orders).items():
        if role == "anonymous":
            client.logout()
        else:
            client.force_login(people[role])
        client.get(path)  # the first request of a session may set things up once
        with assert_max_queries(MAX_QUERIES[name]) as captured:
            response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, (name, path, response.status_code)
        counts[name] = len(captured.captured_queries)
    return counts


@pytest.mark.django_db
def test_every_page_asks_a_fixed_number_of_queries_whatever_the_volume(
    client, officer, operator, municipality, django_assert_max_num_queries
):
    people = {"officer": officer, "operator": operator}
    small_world = world(
        officer=officer, operator=operator, municipality=municipality, orders=3, sightings_per_order=3, tag="가"
    )
    small = queries_per_page(client, people, small_world, django_assert_max_num_queries)
    large_orders = world(
        officer=officer, operator=operator, municipality=municipality, orders=12, sightings_per_order=60, tag="나"
    )
    # The busiest order first: its page has more sightings than one page of its table shows.
    busiest = sorted(large_orders, key=lambda order: -order.created_at.timestamp())
    large = queries_per_page(client, people, busiest, django_assert_max_num_queries)
    assert large == small


@pytest.mark.django_db
def test_the_order_page_of_a_busy_order_draws_a_bounded_trail_and_pages_its_table(client, officer, municipality):
    from sightings.orders import selectors

    cameras = [
        camera_make(municipality=municipality, code=f"T{n}", name=f"road {n}", lat=37.5 + n / 50, lon=127.0 + n / 80)
        for n in range(30)
    ]
    order = order_make(issued_by=officer)
    seen = selectors.TRAIL_POINTS * 2 + 10
    Sighting.objects.bulk_create(
        Sighting(
            order=order,
            camera=cameras[n % len(cameras)],
            read_id=f"00000000-0000-4000-8000-{n:012d}",
            plate=order.plate,
            match_kind=Sighting.MatchKind.EXACT,
            score=1.0,
            seen_at=order.created_at + dt.timedelta(minutes=n),
        )
        for n in range(seen)
    )
    WantedOrder.objects.filter(pk=order.pk).update(sighting_count=seen)
    client.force_login(officer)
    response = client.get(f"/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    trail = response.context["trail"]
    assert len(trail.stops) == selectors.TRAIL_POINTS
    assert trail.stops[-1].key == cameras[(seen - 1) % len(cameras)].id  # the last sighting is always drawn
    assert len(response.context["timeline"]) == selectors.TIMELINE_PAGE
    assert 'data-testid="trail-simplified"' in response.content.decode()
    assert f"({seen})" in response.content.decode()
    # The next page of the table starts where the first ended, and the pages do not overlap.
    older = client.get(f"/orders/{order.pk}/", {"before": response.context["timeline_next"]})
    first_ids = {s.pk for s in response.context["timeline"]}
    assert older.status_code == 200 and not first_ids & {s.pk for s in older.context["timeline"]}
    assert older.context["timeline"][0].seen_at < response.context["timeline"][-1].seen_at


@pytest.mark.django_db
def test_a_bad_page_position_is_refused_naming_it(client, officer, order):
    client.force_login(officer)
    refused = client.get("/orders/", {"after": "yesterday"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and b"after" in refused.content
    refused = client.get(f"/orders/{order.pk}/", {"before": "1764380738706299_nope"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and b"before" in refused.content


@pytest.mark.django_db
def test_the_order_list_pages_by_position_through_every_order_once(client, officer):
    orders = [order_make(issued_by=officer, plate=f"{10 + n}가{2000 + n}", case_number=f"K-{n}") for n in range(55)]
    client.force_login(officer)
    first = client.get("/orders/")
    second = client.get("/orders/", {"after": first.context["page"].next_cursor})
    shown = [o.pk for o in first.context["page"].items] + [o.pk for o in second.context["page"].items]
    assert len(shown) == len(set(shown)) == len(orders)
    assert second.context["page"].next_cursor is None
