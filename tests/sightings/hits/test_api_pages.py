"""The sightings API's pages: every hit once, newest received first, forwards and back, whatever arrives meanwhile."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from sightings.models import Sighting, WantedOrder
from tests.factories import camera_make, sighting_make
from tests.sightings.live.helpers import make_order

pytestmark = pytest.mark.django_db


def hits_received(order: WantedOrder, cameras: list, count: int, *, hours_ago: float = 0) -> list[Sighting]:
    """`count` hits of the order, a minute apart in reception, the newest `hours_ago`; two share each time."""
    start = timezone.now() - dt.timedelta(hours=hours_ago)
    return [
        sighting_make(order, cameras[n % len(cameras)], received_at=start - dt.timedelta(minutes=n // 2))
        for n in range(count)
    ]


def newest_first(hits: list[Sighting]) -> list[str]:
    return [str(hit.pk) for hit in sorted(hits, key=lambda hit: (hit.received_at, hit.pk), reverse=True)]


def walk(client, url: str, params: dict, *, link: str = "next") -> tuple[list[list[str]], dict]:
    """Every page from `url`, following `link`; the pages' ids and the last answer."""
    pages = []
    answer = client.get(url, params).json()
    pages.append([row["id"] for row in answer["results"]])
    while answer[link]:
        answer = client.get(answer[link]).json()
        pages.append([row["id"] for row in answer["results"]])
    return pages, answer


def test_an_orders_hits_come_once_each_newest_first_forwards_and_back(client, officer, order, camera):
    hits = hits_received(order, [camera], 23, hours_ago=24 * 30)
    hits_received(make_order(officer), [camera], 9)  # another order's, received since
    client.force_login(officer)
    pages, last = walk(client, reverse("sightings"), {"order": str(order.pk), "limit": 5})
    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
    assert sum(pages, []) == newest_first(hits)
    back = [[row["id"] for row in client.get(last["previous"]).json()["results"]]]
    assert back == [pages[-2]]
    previous, _ = walk(client, last["previous"], {}, link="previous")
    assert previous == pages[-2::-1]


def test_an_operator_pages_through_their_own_cameras_hits_only(
    client, officer, operator, order, camera, other_camera, municipality
):
    second = camera_make(municipality=municipality, code="11380-C002", name="연서로", lat=37.61, lon=126.92)
    quiet = hits_received(order, [camera, second], 11, hours_ago=24 * 60)
    hits_received(make_order(officer), [other_camera], 30)  # the country's newer hits, elsewhere
    client.force_login(operator)
    pages, _ = walk(client, reverse("sightings"), {"limit": 4})
    assert sum(pages, []) == newest_first(quiet)
    assert [len(page) for page in pages] == [4, 4, 3]


def test_a_hit_arriving_between_pages_neither_repeats_nor_skips_one(client, officer, order, camera):
    hits = hits_received(order, [camera], 6, hours_ago=1)
    client.force_login(officer)
    first = client.get(reverse("sightings"), {"limit": 3}).json()
    newer = sighting_make(order, camera, received_at=timezone.now())
    second = client.get(first["next"]).json()
    shown = [row["id"] for row in first["results"] + second["results"]]
    assert shown == newest_first(hits)
    back = client.get(second["previous"]).json()
    assert [row["id"] for row in back["results"]] == shown[:3]
    assert [row["id"] for row in client.get(back["previous"]).json()["results"]] == [str(newer.pk)]


def test_the_since_filter_holds_on_every_page(client, officer, order, camera):
    recent = [sighting_make(order, camera, seen_ago=dt.timedelta(minutes=n)) for n in range(7)]
    for n in range(5):
        sighting_make(order, camera, seen_ago=dt.timedelta(days=2, minutes=n))
    client.force_login(officer)
    since = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    pages, _ = walk(client, reverse("sightings"), {"since": since, "limit": 3})
    assert sorted(sum(pages, [])) == sorted(str(hit.pk) for hit in recent)


def test_a_cursor_given_out_before_still_reads_its_page(client, officer, order, camera):
    hits = hits_received(order, [camera], 8, hours_ago=1)
    older_than = sorted(hits, key=lambda hit: hit.received_at)[4].received_at  # four hits are older
    # The cursor the API gave before: DRF's position, a time alone, base64 in the query string.
    cursor = base64.b64encode(urlencode({"p": str(older_than)}).encode()).decode()
    client.force_login(officer)
    answer = client.get(reverse("sightings"), {"cursor": cursor}).json()
    assert [row["id"] for row in answer["results"]] == newest_first(hits)[4:]


def test_the_cursor_stays_an_opaque_token_and_a_forged_one_is_refused(client, officer, order, camera):
    hits_received(order, [camera], 3)
    client.force_login(officer)
    next_link = client.get(reverse("sightings"), {"limit": 1}).json()["next"]
    cursor = parse_qs(urlparse(next_link).query)["cursor"][0]
    assert base64.b64decode(cursor)  # DRF's own encoding: clients pass it back as they got it
    for forged in (
        "nonsense",
        base64.b64encode(b"p=12_not-a-uuid").decode(),
        base64.b64encode(b"p=yesterday").decode(),
    ):
        assert client.get(reverse("sightings"), {"cursor": forged}).status_code == 404
