"""The auditor's pages, the CSV export and the landing summary: auditors see everything, nobody else anything."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection

from audit import db_triggers
from audit.exports import CSV_COLUMNS
from audit.models import AccessLogEntry, DisclosureEntry
from audit.services import access_log_record, ledger_record_footage
from tests.audit.test_ledger import locations_record
from tests.factories import footage_request_make, sighting_make
from tests.queries import access_log_queries

PAGES = [
    "/audit/",
    "/audit/access/",
    "/audit/verify/",
    "/audit/statistics/",
    "/audit/anomalies/",
    "/audit/ledger.csv",
]


@pytest.fixture
def ledger(order, camera, other_camera, officer, operator):
    locations_record(sightings=[sighting_make(order, camera) for _ in range(3)])
    locations_record(sightings=[sighting_make(order, other_camera)])
    request = footage_request_make(order=order, camera=camera, requested_by=officer, case_number="2026-FOOTAGE-7")
    ledger_record_footage(request=request, approver=operator, files=[("clip.mp4", "ab" * 32)])
    access_log_record(actor=officer, action="view", obj=order)
    return DisclosureEntry.objects.order_by("sequence")


@pytest.mark.parametrize("url", PAGES)
def test_an_auditor_sees_every_page(client, auditor, ledger, url):
    client.force_login(auditor)
    response = client.get(url)
    assert response.status_code == 200
    assert AccessLogEntry.objects.filter(actor=auditor, outcome="allowed").exclude(action="login").exists()


def test_an_auditor_opens_one_entry_with_every_field(client, auditor, ledger):
    client.force_login(auditor)
    entry = ledger.get(kind="footage")
    response = client.get(f"/audit/ledger/{entry.id}/")
    assert response.status_code == 200
    text = response.content.decode()
    for value in (entry.file_name, entry.recipient, entry.purpose, entry.data_items, entry.form, entry.entry_hash):
        assert value in text
    assert "ab" * 32 in text and "operator" in text
    logged = AccessLogEntry.objects.filter(actor=auditor, action="view", object_type="ledger").get()
    assert logged.object_id == str(entry.sequence)


@pytest.mark.parametrize("url", [*PAGES, "/audit/ledger/00000000-0000-0000-0000-000000000000/"])
@pytest.mark.parametrize("who", ["officer", "other_officer", "operator", "other_operator", "admin_user"])
def test_everyone_else_is_refused_and_the_refusal_logged(client, request, ledger, url, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 403
    assert b"2026-FOOTAGE-7" not in response.content
    refusal = AccessLogEntry.objects.get(actor=user, outcome="denied")
    assert refusal.path == url


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_log_in_and_logged(client, ledger, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert AccessLogEntry.objects.filter(actor_label="anonymous", outcome="denied", path=url).exists()


def test_the_ledger_page_filters_and_costs_a_fixed_number_of_queries(
    client, auditor, ledger, django_assert_num_queries
):
    client.force_login(auditor)
    response = client.get("/audit/?municipality=11650")
    assert [row.sequence for row in response.context["page"].object_list] == [4]
    # session, user, page (no count: paged by position), access-log append (tests/queries.py), session save (3)
    with django_assert_num_queries(6 + access_log_queries()):
        client.get("/audit/?kind=location")


def test_the_access_log_page_costs_a_fixed_number_of_queries(client, auditor, ledger, django_assert_num_queries):
    client.force_login(auditor)
    # session, user, page, its count, access-log append (tests/queries.py), session save (3)
    with django_assert_num_queries(7 + access_log_queries()):
        response = client.get("/audit/access/?outcome=allowed")
    assert all(row.outcome == "allowed" for row in response.context["page"].object_list)


def test_bad_filters_are_named_and_nothing_is_listed(client, auditor, ledger):
    client.force_login(auditor)
    response = client.get("/audit/?since=not-a-date&kind=photos")
    assert response.status_code == 400
    assert set(response.context["filter"].errors) == {"since", "kind"}
    assert list(response.context["page"].object_list) == []
    assert client.get("/audit/ledger.csv?since=31-12-2026").status_code == 400
    assert client.get("/audit/statistics/?months=7").status_code == 400
    assert client.get("/audit/anomalies/?until=soon").status_code == 400


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.parametrize("query", ["", "municipality=11380", "kind=footage", "case_number=none"])
def test_the_csv_export_holds_exactly_the_filtered_rows(client, auditor, ledger, query):
    client.force_login(auditor)
    page = client.get(f"/audit/?{query}")
    response = client.get(f"/audit/ledger.csv?{query}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    header, *rows = _csv(response)
    assert header == [name for _, name in CSV_COLUMNS]
    assert [int(row[0]) for row in rows] == [entry.sequence for entry in page.context["page"].object_list]
    by_sequence = {entry.sequence: entry for entry in DisclosureEntry.objects.all()}
    for row in rows:
        entry = by_sequence[int(row[0])]
        record = dict(zip(header, row, strict=True))
        assert record["entry_hash"] == entry.entry_hash
        assert record["receiving_body"] == entry.recipient and record["legal_basis"] == entry.legal_basis
        assert record["municipality_code"] == entry.municipality.code
    assert AccessLogEntry.objects.filter(actor=auditor, action="export").count() == 1


def test_the_verify_page_shows_both_chains_intact(client, auditor, ledger):
    client.force_login(auditor)
    text = client.get("/audit/verify/").content.decode()
    # The ledger, the access log, the access tallies and the corrections.
    assert text.count("verdict-ok") == 4 and "verdict-broken" not in text


def test_the_verify_page_names_the_first_broken_entry(client, auditor, ledger):
    with db_triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_disclosureentry SET legal_basis = '18-2-2' WHERE sequence = 2")
    client.force_login(auditor)
    response = client.get("/audit/verify/")
    assert "verdict-broken" in response.content.decode()
    assert response.context["chains"][0][1].first_broken.sequence == 2


def test_the_statistics_page_counts_by_basis_municipality_and_purpose(client, auditor, ledger):
    client.force_login(auditor)
    response = client.get("/audit/statistics/?months=3")
    pivots = response.context["pivots"]
    assert pivots["legal_basis"].total == 5
    assert [(label, total) for label, _, total in pivots["legal_basis"].rows] == [("18-2-7", 5)]
    assert {total for label, _, total in pivots["municipality"].rows if "11380" in label} == {4}
    # By the order's crime category and legal basis, not by the footage request's free-text purpose.
    assert [(label.split(" — ")[0], total) for label, _, total in pivots["purpose"].rows] == [("Robbery · 18-2-7", 5)]
    assert "<svg" in response.content.decode() and "<script" not in response.content.decode()


def test_the_auditor_landing_page_summarises_the_ledger(client, auditor, ledger):
    client.force_login(auditor)
    response = client.get("/")
    text = response.content.decode()
    assert 'data-testid="month-disclosures">5<' in text
    assert 'href="/audit/"' in text


def test_the_nav_offers_auditors_their_pages_and_nobody_else(client, auditor, officer):
    client.force_login(auditor)
    assert 'href="/audit/access/"' in client.get("/").content.decode()
    client.force_login(officer)
    assert 'href="/audit/access/"' not in client.get("/").content.decode()


def test_the_access_log_page_shows_every_row_it_counts(client, auditor, ledger):
    client.force_login(auditor)
    response = client.get("/audit/access/")
    page = response.context["page"]
    # People's entries only (machine and anonymous ones are on their own tab), the auditor's sign-in among them,
    # all but the auditor's own look, which is written after the page.
    people = list(AccessLogEntry.objects.filter(actor__isnull=False).order_by("-sequence"))[1:]
    assert page.count == len(people) and not page.count_capped
    assert [row.sequence for row in page.object_list] == [entry.sequence for entry in people]
