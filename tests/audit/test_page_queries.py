"""The auditor's pages at volume: a fixed number of queries however long the ledger and the access log are (each page
requested on a small world and on one several times larger, within the same pinned count on both), the ledger's
list paged by position without counting or skipping through the ledger, and its CSV streamed a chunk at a time
(docs/PERFORMANCE.md, "Auditor pages, 2026-11-29 (third pass)")."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit import exports
from audit.models import DisclosureEntry
from audit.services import access_log_record_many
from tests.audit.test_ledger import locations_record
from tests.factories import camera_make, order_make, sighting_make
from tests.queries import access_log_queries

# Each auditor page's own queries (session and user first, the session's save last), pinned; the request's
# access-log entry and its counts come on top (tests/queries.py).
PAGE_QUERIES = {
    "ledger": 6,  # session, user, the page; save (3)
    "ledger, older page": 6,
    "ledger, case number": 7,  # the page's entry numbers from the case's index, then those entries
    "ledger CSV, one week": 6,  # session, user, the rows' first and last numbers; save (3): the rows stream later
    "API disclosures": 6,
    "access log, denied": 7,  # the page and its count, capped
    # Every scan (eleven), two of them reading the last day first and then the rest of the period (no flag here,
    # so no names, orders or entries looked up).
    "anomalies": 19,
}


def world(*, officer, auditor, municipality, orders: int, sightings_per_order: int, tag: str) -> list:
    """Orders of one case each, their sightings' location entries in the ledger, and people's requests."""
    cameras = [camera_make(municipality=municipality, code=f"{tag}{n}", name=f"road {n}") for n in range(3)]
    made = []
    for n in range(orders):
        order = order_make(issued_by=officer, plate=f"{10 + n}{tag}{2000 + n}", case_number=f"{tag}-{n}")
        locations_record(sightings=[sighting_make(order, cameras[k % 3]) for k in range(sightings_per_order)])
        made.append(order)
    for _ in range(orders):  # a refusal now and then, never several in a row
        access_log_record_many(actor=officer, action="view", objects=[("home", "")] * 3)
        access_log_record_many(actor=officer, action="view", objects=[("wantedorder", "")], outcome="denied")
    access_log_record_many(actor=auditor, action="view", objects=[("ledger", "")] * orders)
    return made


def pages(orders: list) -> dict[str, str]:
    entries = DisclosureEntry.objects.order_by("-sequence")
    week_ago = timezone.localdate() - dt.timedelta(days=7)
    return {
        "ledger": "/audit/",
        "ledger, older page": f"/audit/?before={entries[1].sequence}",
        "ledger, case number": f"/audit/?case_number={orders[0].case_number}",
        "ledger CSV, one week": f"/audit/ledger.csv?since={week_ago}",
        "API disclosures": "/api/v1/audit/disclosures/",
        "access log, denied": "/audit/access/?outcome=denied",
        "anomalies": "/audit/anomalies/",
    }


def queries_per_page(client, orders: list, assert_max_queries) -> dict[str, int]:
    counts = {}
    for name, path in pages(orders).items():
        client.get(path)  # the first request of a session may set things up once
        with assert_max_queries(PAGE_QUERIES[name] + access_log_queries()) as captured:
            response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(captured.captured_queries)
        if name.startswith("ledger"):
            # Neither a COUNT of the matching entries nor an OFFSET through the ones before the page.
            listed = [q["sql"] for q in captured.captured_queries if "audit_disclosureentry" in q["sql"]]
            assert not [sql for sql in listed if "COUNT(" in sql or "OFFSET" in sql], (name, listed)
    return counts


@pytest.mark.django_db
def test_every_auditor_page_asks_a_fixed_number_of_queries_whatever_the_volume(
    client, officer, auditor, municipality, settings, django_assert_max_num_queries
):
    # Every hour is working time, so what is flagged does not depend on when the test runs.
    settings.AUDIT_WORKING_HOURS, settings.AUDIT_WORKING_DAYS = (0, 24), (1, 2, 3, 4, 5, 6, 7)
    settings.AUDIT_PUBLIC_HOLIDAYS = ""
    client.force_login(auditor)
    small = queries_per_page(
        client,
        world(officer=officer, auditor=auditor, municipality=municipality, orders=2, sightings_per_order=3, tag="가"),
        django_assert_max_num_queries,
    )
    large = queries_per_page(
        client,
        world(officer=officer, auditor=auditor, municipality=municipality, orders=8, sightings_per_order=40, tag="나"),
        django_assert_max_num_queries,
    )
    assert large == small


@pytest.fixture
def ledger_of(order, camera, other_camera):
    def make(count: int, **fields) -> list[DisclosureEntry]:
        sightings = [sighting_make(order, camera if n % 2 else other_camera, **fields) for n in range(count)]
        return locations_record(sightings=sightings)

    return make


def test_the_ledger_goes_page_by_page_by_entry_number_keeping_its_filters(client, auditor, ledger_of):
    ledger_of(57)
    client.force_login(auditor)
    first = client.get("/audit/", {"kind": "location"})
    page = first.context["page"]
    assert len(page.object_list) == 50 and page.newer is None and page.older == page.object_list[-1].sequence
    text = first.content.decode()
    assert f"kind=location&amp;before={page.older}" in text  # the "older" link keeps the filter
    assert 'href="/audit/ledger.csv?kind=location"' in text  # the export takes the filter, not the position
    second = client.get("/audit/", {"kind": "location", "before": page.older}).context["page"]
    assert len(second.object_list) == 7 and second.older is None and second.newer == second.object_list[0].sequence
    shown = [entry.sequence for entry in page.object_list + second.object_list]
    assert shown == sorted(shown, reverse=True) and len(set(shown)) == 57
    back = client.get("/audit/", {"kind": "location", "after": second.newer}).context["page"]
    assert [entry.sequence for entry in back.object_list] == [entry.sequence for entry in page.object_list]


def test_one_cases_entries_page_by_entry_number_from_the_cases_index(client, auditor, ledger_of, officer, camera):
    ledger_of(55)
    elsewhere = order_make(issued_by=officer, plate="99가9999", case_number="2026-ELSEWHERE")
    locations_record(sightings=[sighting_make(elsewhere, camera) for _ in range(3)])
    ledger_of(5)
    client.force_login(auditor)
    case = DisclosureEntry.objects.exclude(case_number="2026-ELSEWHERE").first().case_number
    first = client.get("/audit/", {"case_number": case}).context["page"]
    second = client.get("/audit/", {"case_number": case, "before": first.older}).context["page"]
    shown = [entry.sequence for entry in first.object_list + second.object_list]
    expected = list(
        DisclosureEntry.objects.filter(case_number=case).order_by("-sequence").values_list("sequence", flat=True)
    )
    assert shown == expected and len(shown) == 60
    back = client.get("/audit/", {"case_number": case, "after": second.newer}).context["page"]
    assert [entry.sequence for entry in back.object_list] == [entry.sequence for entry in first.object_list]
    assert client.get("/audit/", {"case_number": "2026-ELSEWHERE"}).context["page"].object_list[0].case_number == (
        "2026-ELSEWHERE"
    )


def test_a_bad_position_in_the_ledger_is_named_with_400(client, auditor, ledger_of):
    ledger_of(2)
    client.force_login(auditor)
    response = client.get("/audit/", {"before": "yesterday"})
    assert response.status_code == 400 and "before" in str(response.context["filter"].form.errors)


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_ledger_csv_streams_a_chunk_at_a_time_from_the_newest(client, auditor, ledger_of, monkeypatch):
    monkeypatch.setattr(exports, "FIRST_CHUNK", 2)
    monkeypatch.setattr(exports, "CHUNK", 3)
    old = ledger_of(4, received_at=timezone.now() - dt.timedelta(days=20))
    recent = ledger_of(9)
    client.force_login(auditor)
    since = timezone.localdate() - dt.timedelta(days=7)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/audit/ledger.csv", {"since": since})
        assert response.streaming
        _header, *rows = _rows(response)
    assert [int(row[0]) for row in rows] == sorted((entry.sequence for entry in recent), reverse=True)
    assert not {entry.sequence for entry in old} & {int(row[0]) for row in rows}
    read = [q["sql"] for q in captured.captured_queries if '"audit_disclosureentry"."' in q["sql"]]
    # The filter's first and last entry numbers, then chunks of 2, 3, 3 and the last one (a short one ends it),
    # each below the last one sent and no more than a chunk.
    assert len(read) == 1 + 4 and "MIN(" in read[0]
    assert all("LIMIT" in sql and "OFFSET" not in sql and "MIN(" not in sql for sql in read[1:])


@pytest.mark.parametrize("query", [{}, {"kind": "location"}])
def test_entries_written_while_the_csv_streams_are_not_in_it(client, auditor, ledger_of, monkeypatch, query):
    monkeypatch.setattr(exports, "FIRST_CHUNK", 2)
    monkeypatch.setattr(exports, "CHUNK", 2)
    monkeypatch.setattr(exports, "BLOCK", 1)
    before = ledger_of(5)
    client.force_login(auditor)
    pieces = iter(client.get("/audit/ledger.csv", query).streaming_content)
    first = next(pieces)
    ledger_of(3)
    body = (first + b"".join(pieces)).decode("utf-8-sig")
    _header, *rows = csv.reader(io.StringIO(body))
    assert [int(row[0]) for row in rows] == sorted((entry.sequence for entry in before), reverse=True)
