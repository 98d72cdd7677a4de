"""The read side reads about a page of rows for a page, however much lies around it (docs/PERFORMANCE.md, "Read
side at volume"): what PostgreSQL reads for each page is asked of PostgreSQL itself (EXPLAIN)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sightings.footage.selectors import footage_list_position, footage_requests_for
from sightings.models import FootageRequest, Sighting, WantedOrder
from tests.factories import camera_make, footage_request_make, order_make

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's"),
]


def hits_bulk(order: WantedOrder | list[WantedOrder], cameras: list, count: int, *, received: dt.datetime) -> None:
    """`count` hits received a second apart up to `received`, in one insert, oldest first; of several orders in
    turn: the way the country's hits lie in the table, in the order they arrived."""
    orders = order if isinstance(order, list) else [order]
    Sighting.objects.bulk_create(
        Sighting(
            order=orders[n % len(orders)],
            camera=cameras[n % len(cameras)],
            read_id=uuid.uuid4(),
            plate=orders[n % len(orders)].plate,
            match_kind=Sighting.MatchKind.EXACT,
            score=1.0,
            seen_at=received - dt.timedelta(seconds=n + 1),
            received_at=received - dt.timedelta(seconds=n),
        )
        for n in reversed(range(count))
    )


def analysed() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sightings_sighting, sightings_wantedorder, sightings_camera, sightings_footagerequest")


def page_queries(client, path: str) -> list[dict[str, Any]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    return captured.captured_queries


def plan(
    sql: str,
    *,
    analyse: bool = True,
    without_seqscan: bool = False,
    bitmaps_only: bool = False,
    without_sort: bool = False,
    random_read_cost: float = 4,
) -> dict:
    """The query's plan. without_seqscan: the plan an index gives, if one serves the query at all; bitmaps_only:
    the plan that gathers the table's blocks from an index first (what a block-range index gives);
    without_sort: the plan when sorting is the last resort, so a Sort node means no index gives the order (a test's
    few rows are otherwise cheaper to sort than to read in an index's order, whatever the statistics say);
    random_read_cost: what PostgreSQL counts for a page read out of order (4 pages in order by default)."""
    with connection.cursor() as cursor:
        try:
            cursor.execute(f"SET enable_seqscan = {'off' if without_seqscan or bitmaps_only else 'on'}")
            cursor.execute(f"SET enable_indexscan = {'off' if bitmaps_only else 'on'}")
            cursor.execute(f"SET enable_sort = {'off' if without_sort else 'on'}")
            cursor.execute(f"SET random_page_cost = {float(random_read_cost)}")
            cursor.execute(f"EXPLAIN ({'ANALYZE, ' if analyse else ''}FORMAT JSON) {sql}")
            answer = cursor.fetchone()[0]
        finally:
            for setting in ("enable_seqscan", "enable_indexscan", "enable_sort", "random_page_cost"):
                cursor.execute(f"RESET {setting}")
    return (json.loads(answer) if isinstance(answer, str) else answer)[0]["Plan"]


def nodes(node: dict[str, Any]):
    yield node
    for child in node.get("Plans", []):
        yield from nodes(child)


def rows_read(queries: list[dict[str, Any]], table: str, *, random_read_cost: float = 4) -> int:
    """How many rows of `table` the page's queries touch at volume: returned by their scans plus those their filters
    dropped. A test's tables are small enough to read whole, which a year's are not; without sequential scans,
    PostgreSQL plans these as it would for the year."""
    total = 0
    for query in queries:
        if f'FROM "{table}"' not in query["sql"] or not query["sql"].startswith("SELECT"):
            continue
        for node in nodes(plan(query["sql"], without_seqscan=True, random_read_cost=random_read_cost)):
            if node.get("Relation Name") == table:
                loops = node.get("Actual Loops", 1)
                total += (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * loops
    return total


def test_an_orders_old_hits_are_read_through_its_own_index_not_the_countrys_newer_hits(client, officer, order, camera):
    now = timezone.now()
    others = [order_make(issued_by=officer, plate=f"{n}나5678", case_number=f"2026-TEST-1{n}") for n in range(10, 13)]
    # The order's hits two months ago, among those of others then, and the country's many since.
    hits_bulk([order, *others], [camera], 1600, received=now - dt.timedelta(days=60))
    hits_bulk(others, [camera], 3000, received=now)
    analysed()
    client.force_login(officer)
    queries = page_queries(client, f"/api/v1/sightings/?order={order.pk}&limit=20")
    # The page, the order's newest hit that ranks it, and the rows of the page fetched by id.
    read = rows_read(queries, "sightings_sighting")
    assert read <= 3 * 21, read
    # Also when a read out of order costs what it does in a year's table, many times the memory: then PostgreSQL
    # reads the country's hits newest first for "this order's newest", unless only the order's index gives them.
    choosing = [q for q in queries if q["sql"].startswith("SELECT") and 'FROM "sightings_sighting"' in q["sql"]][:1]
    read = rows_read(choosing, "sightings_sighting", random_read_cost=40)
    assert read <= 2 * 21, read


def test_a_quiet_centres_hits_are_read_camera_by_camera(client, officer, operator, order, camera, other_camera):
    now = timezone.now()
    hits_bulk(order, [camera], 60, received=now - dt.timedelta(days=60))
    busy = order_make(issued_by=officer, plate="34나5678", case_number="2026-TEST-0002")
    hits_bulk(busy, [other_camera], 3000, received=now)
    analysed()
    client.force_login(operator)
    read = rows_read(page_queries(client, "/api/v1/sightings/?limit=20"), "sightings_sighting")
    assert read <= 3 * 21, read


def test_the_officer_dashboard_never_reads_past_the_closed_orders_hits(client, officer, order, camera):
    now = timezone.now()
    hits_bulk(order, [camera], 600, received=now - dt.timedelta(hours=2))
    closed = order_make(issued_by=officer, plate="34나5678", case_number="2026-TEST-0002")
    hits_bulk(closed, [camera], 6000, received=now)
    WantedOrder.objects.filter(pk=closed.pk).update(status=WantedOrder.Status.RESOLVED, closed_at=now)
    analysed()
    client.force_login(officer)
    queries = page_queries(client, "/")
    newest = Sighting.objects.filter(order=order).order_by("-received_at", "-id").values_list("id", flat=True)[:50]
    assert [hit["id"] for hit in client.get("/").context["dashboard"]["hits"]] == [str(pk) for pk in newest]
    # The active order's hits at most (a small table's plan may read them all to fetch the page and the trail by
    # id), never the closed order's 6,000 received since.
    read = rows_read(queries, "sightings_sighting")
    assert read <= 3 * 600, read


def test_the_dashboard_trail_is_the_latest_sightings_with_repeats_drawn_once(client, officer, order, municipality):
    cameras = [
        camera_make(municipality=municipality, code=f"T{n}", name=f"road {n}", lat=37.0 + n, lon=127.0)
        for n in range(3)
    ]
    now = timezone.now()
    hits_bulk(order, [cameras[2]], 150, received=now - dt.timedelta(minutes=10))  # first at T2, for a while
    hits_bulk(order, [cameras[1], cameras[1], cameras[0]], 90, received=now)  # then T0, T1, T1, T0, T1, T1 ...
    client.force_login(officer)
    trail = client.get("/").context["dashboard"]["trails"][str(order.pk)]
    # The latest 100 sightings: 10 at T2 (one stop), then the 90 of the last run (60 stops: T0, T1 and again).
    assert len(trail) == 61
    assert trail[:3] == [[39.0, 127.0], [37.0, 127.0], [38.0, 127.0]]
    assert trail[-1] == [38.0, 127.0]


def test_a_footage_list_page_is_read_from_the_lists_index_without_sorting(client, officer, order, camera):
    for n in range(60):
        footage_request_make(
            order=order,
            camera=camera,
            requested_by=officer,
            urgent=n % 3 == 0,
            status=FootageRequest.Status.PENDING if n % 2 else FootageRequest.Status.APPROVED,
        )
    client.force_login(officer)
    after = footage_list_position(footage_requests_for(officer)[10])
    for path in ("/footage/", f"/footage/?after={after}"):
        queries = page_queries(client, path)
        ids = [q["sql"] for q in queries if q["sql"].startswith('SELECT "sightings_footagerequest"."id" AS')]
        assert len(ids) == 1, path
        scans = list(nodes(plan(ids[0], analyse=False, without_seqscan=True, without_sort=True)))
        assert not [node for node in scans if node["Node Type"] in ("Sort", "Incremental Sort")], path
        assert {node.get("Index Name") for node in scans} & {"sightings_footage_agency_list"}, path


def test_the_transparency_months_verdicts_are_counted_through_the_seen_at_index(client, order, municipality):
    cameras = [camera_make(municipality=municipality, code=f"S{n}", name=f"road {n}") for n in range(40)]
    # Enough earlier hits to fill several of the block-range index's ranges (128 blocks each), then the month's.
    hits_bulk(order, cameras, 30000, received=timezone.now() - dt.timedelta(days=100))
    hits_bulk(order, cameras, 50, received=timezone.now())
    analysed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT brin_summarize_new_values('sightings_sight_seen')")  # as autovacuum does
    queries = page_queries(client, "/transparency/")
    counts = [q["sql"] for q in queries if 'FROM "sightings_sighting"' in q["sql"] and "seen_at" in q["sql"]]
    assert counts
    for sql in counts:
        # A test's table is small enough to read per camera; a year's month is read by its blocks.
        scans = list(nodes(plan(sql, analyse=False, bitmaps_only=True)))
        assert "sightings_sight_seen" in {node.get("Index Name") for node in scans}, sql
