"""The monthly disclosure counts: kept by every ledger writer, equal to counting the ledger, and what the pages read."""

from __future__ import annotations

import datetime as dt
import importlib
from collections import Counter

import pytest
from django.apps import apps
from django.db import transaction
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from audit.disclosure_months import disclosure_months_rebuild, month_of
from audit.models import DisclosureEntry, DisclosureMonth
from audit.purposes import LEGAL_BASES
from audit.services import ledger_record_footage, ledger_record_unit_location
from audit.statistics import month_bounds, month_starts, pivot, purpose_label
from audit.transparency import COUNTED, transparency_report
from sightings.live_views import services as live_services
from sightings.models import FootageRequest
from tests.audit.test_ledger import locations_record
from tests.factories import footage_request_make, order_make, sighting_make
from tests.sightings.live_views.helpers import approved_make, urgent_order_make, video_server_make

pytestmark = pytest.mark.services


def counted_directly() -> Counter:
    """The ledger counted as the pages used to count it: by month (site time), kind, basis, order's crime, body."""
    rows = (
        DisclosureEntry.objects.annotate(month=TruncMonth("provided_at"))
        .order_by()
        .values("month", "kind", "legal_basis", "order__crime", "municipality_id")
        .annotate(n=Count("id"))
    )
    return Counter(
        {
            (
                timezone.localtime(row["month"]).date(),
                row["kind"],
                row["legal_basis"],
                row["order__crime"] or "",
                row["municipality_id"],
            ): row["n"]
            for row in rows
        }
    )


def counted_monthly() -> Counter:
    return Counter(
        {
            (row.month, row.kind, row.legal_basis, row.crime, row.municipality_id): row.disclosures
            for row in DisclosureMonth.objects.all()
        }
    )


@pytest.fixture
def every_kind(order, camera, other_camera, officer, operator, municipality):
    """Entries of each kind from each writer: locations in bulk, footage, a patrol unit's location, a live view."""
    now = timezone.now()
    hits = [sighting_make(order, camera) for _ in range(3)] + [sighting_make(order, other_camera)]
    hits += [sighting_make(order, camera, received_at=now - dt.timedelta(days=40)) for _ in range(2)]
    locations_record(sightings=hits)
    approved = footage_request_make(
        order=order, camera=camera, requested_by=officer, status=FootageRequest.Status.APPROVED
    )
    ledger_record_footage(request=approved, approver=operator, files=[("clip.mp4", "ab" * 32)])
    child = order_make(
        issued_by=officer,
        plate="34나5678",
        crime="missing-child",
        legal_basis="18-2-3",
        case_number="",
        urgency_confirmed_by="경위 박",
        expires_in=dt.timedelta(days=1),
    )
    locations_record(sightings=[sighting_make(child, other_camera)])
    ledger_record_unit_location(
        sighting=hits[0],
        order=order,
        camera=camera,
        unit_call_sign="은평12",
        unit_agency=officer.agency,
        dispatched_by=officer,
    )
    video_server_make(municipality)
    live_view = approved_make(officer=officer, operator=operator, order=urgent_order_make(officer), camera=camera)
    live_services.live_view_end(live_view=live_view, ended_by=officer)


def test_every_writer_adds_its_entries_to_the_month_counts(every_kind):
    kinds = set(DisclosureEntry.objects.values_list("kind", flat=True))
    assert kinds == {kind.value for kind in DisclosureEntry.Kind}
    assert counted_monthly() == counted_directly()
    assert sum(counted_monthly().values()) == DisclosureEntry.objects.count() == 11


def test_a_count_is_added_to_not_replaced(order, camera):
    locations_record(sightings=[sighting_make(order, camera)])
    locations_record(sightings=[sighting_make(order, camera) for _ in range(2)])
    assert list(DisclosureMonth.objects.values_list("disclosures", flat=True)) == [3]


def test_a_write_that_rolls_back_takes_its_counts_with_it(order, camera):
    sighting = sighting_make(order, camera)
    with pytest.raises(RuntimeError), transaction.atomic():
        locations_record(sightings=[sighting])
        raise RuntimeError
    assert not DisclosureEntry.objects.exists() and not DisclosureMonth.objects.exists()


def test_the_month_is_the_sites_not_utc(order, camera):
    # 15:30 UTC on the last day of October is 00:30 on the first of November in Seoul.
    received = dt.datetime(2026, 10, 31, 15, 30, tzinfo=dt.UTC)
    locations_record(sightings=[sighting_make(order, camera, received_at=received)])
    assert month_of(received) == dt.date(2026, 11, 1)
    assert list(DisclosureMonth.objects.values_list("month", flat=True)) == [dt.date(2026, 11, 1)]


def test_the_crime_category_is_the_orders_when_the_entry_was_written(order, camera):
    locations_record(sightings=[sighting_make(order, camera)])
    assert list(DisclosureMonth.objects.values_list("crime", flat=True)) == [order.crime]


def test_the_migrations_fill_and_a_rebuild_equal_counting_the_ledger(every_kind):
    expected = counted_directly()
    DisclosureMonth.objects.all().delete()
    migration = importlib.import_module("audit.migrations.0009_disclosure_months")
    migration.count_existing(apps, None)
    assert counted_monthly() == expected
    DisclosureMonth.objects.filter(pk=DisclosureMonth.objects.first().pk).update(disclosures=999)
    assert disclosure_months_rebuild() == len(expected)
    assert counted_monthly() == expected


def _statistics_from_the_ledger(months):
    """The statistics page's pivots as they were computed before the counts: straight from the ledger."""
    since, until = month_bounds(months[0], months[-1])
    monthly = (
        DisclosureEntry.objects.filter(provided_at__gte=since, provided_at__lt=until)
        .exclude(kind=DisclosureEntry.Kind.LIVE_END)
        .annotate(month=TruncMonth("provided_at"))
        .order_by()
    )
    by_purpose = [
        {**row, "crime": row["order__crime"]}
        for row in monthly.values("month", "order__crime", "legal_basis").annotate(n=Count("id"))
    ]
    return {
        "legal_basis": pivot(
            monthly.values("month", "legal_basis").annotate(n=Count("id")), months, lambda r: r["legal_basis"]
        ),
        "municipality": pivot(
            monthly.values(
                "month", "municipality__code", "municipality__province__name", "municipality__name"
            ).annotate(n=Count("id")),
            months,
            lambda r: f"{r['municipality__province__name']} {r['municipality__name']} ({r['municipality__code']})",
        ),
        "purpose": pivot(by_purpose, months, purpose_label),
    }


def test_the_statistics_page_shows_what_counting_the_ledger_gives(client, auditor, every_kind):
    client.force_login(auditor)
    response = client.get("/audit/statistics/?months=3")
    assert response.status_code == 200
    pivots = response.context["pivots"]
    assert pivots == _statistics_from_the_ledger(month_starts(3))
    assert pivots["legal_basis"].total == 10  # every entry but the live view's closing one


def test_the_transparency_page_shows_what_counting_the_ledger_gives(client, every_kind):
    month = timezone.localdate().replace(day=1)
    since, until = month_bounds(month, month)
    report = client.get("/transparency/").context["report"]
    in_month = DisclosureEntry.objects.filter(provided_at__gte=since, provided_at__lt=until)
    hits = dict(
        in_month.filter(kind=DisclosureEntry.Kind.LOCATION)
        .values("municipality__code")
        .annotate(n=Count("id"))
        .values_list("municipality__code", "n")
    )
    assert {row.code: row.hits for row in report["municipalities"] if row.hits} == hits
    assert report["totals"].hits == sum(hits.values()) == 6
    bases = in_month.values("legal_basis").annotate(
        location=Count("id", filter=Q(kind=DisclosureEntry.Kind.LOCATION)),
        footage=Count("id", filter=Q(kind=DisclosureEntry.Kind.FOOTAGE)),
    )
    expected = {row["legal_basis"]: (row["location"], row["footage"]) for row in bases}
    shown = {row["basis"].code: (row["location"], row["footage"]) for row in report["by_legal_basis"]}
    assert {code: counts for code, counts in shown.items() if counts != (0, 0)} == {
        code: counts for code, counts in expected.items() if counts != (0, 0)
    }
    codes = [code for code, basis in LEGAL_BASES.items() if basis.requires_publication]
    published = in_month.filter(legal_basis__in=codes).exclude(kind=DisclosureEntry.Kind.LIVE_END)
    assert sum(item["count"] for item in report["publication"]) == published.count()
    assert max(item["last"] for item in report["publication"]) == published.aggregate(last=Max("provided_at"))["last"]
    assert set(COUNTED) <= set(vars(report["totals"]))


def test_the_transparency_report_for_a_month_without_entries_is_empty(db):
    report = transparency_report(month=dt.date(2020, 1, 1))
    assert report["municipalities"] == [] and report["totals"].hits == 0
    assert {(row["location"], row["footage"]) for row in report["by_legal_basis"]} == {(0, 0)}
