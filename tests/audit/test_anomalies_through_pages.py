"""The anomaly flags about what people looked at, made to fire by people using the real pages and API.

Each flag has a case that raises it (an officer or operator doing it through the URLs they use) and a case of
ordinary work that does not; the auditor then reads the flags on the anomalies page, with links to the
person, the order and the entries.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.anomalies import Kind, _most_within
from sightings.models import WantedOrder
from tests.factories import footage_request_make, order_make, sighting_make

pytestmark = pytest.mark.services


@pytest.fixture(autouse=True)
def _around_the_clock(settings) -> None:
    """Every hour of every day is working time, so only the flag under test can fire whenever the suite runs."""
    settings.AUDIT_WORKING_HOURS = (0, 24)
    settings.AUDIT_WORKING_DAYS = (1, 2, 3, 4, 5, 6, 7)
    settings.AUDIT_PUBLIC_HOLIDAYS = ""


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _flags_page(auditor) -> tuple[dict[str, list], str]:
    response = _signed_in(auditor).get(reverse("audit:anomalies"))
    assert response.status_code == 200
    return {kind: flags for kind, _label, flags in response.context["groups"]}, response.content.decode()


def _raised(auditor) -> dict[str, list]:
    return {kind: flags for kind, flags in _flags_page(auditor)[0].items() if flags}


@pytest.fixture
def three_sightings(order, camera):
    return [sighting_make(order, camera) for _ in range(3)]


# ---- repeated looks at one plate or one order ------------------------------------------------------------


def test_an_officer_opening_one_order_again_and_again_raises_a_flag(settings, auditor, officer, order, three_sightings):
    officer_client = _signed_in(officer)
    for sighting in three_sightings:
        assert officer_client.get(reverse("sighting", args=[sighting.id])).status_code == 200
    for _ in range(settings.AUDIT_REPEATED_LOOKS - 3):
        assert officer_client.get(reverse("sightings:order-detail", args=[order.id])).status_code == 200
    flags, page = _flags_page(auditor)
    [flag] = flags[Kind.REPEATED_LOOKUP]
    assert flag.person == "officer" and order.plate in flag.detail and flag.count == settings.AUDIT_REPEATED_LOOKS
    # Links: the person's page, and the entries behind the flag in the access log.
    assert f"{reverse('audit:person')}?person=officer" in page
    entries = _signed_in(auditor).get(reverse("audit:access-log"), flag.entries)
    assert entries.status_code == 200
    assert {row.plate for row in entries.context["page"].object_list} == {order.plate}
    assert len(entries.context["page"].object_list) == settings.AUDIT_REPEATED_LOOKS


def test_looks_at_a_pattern_order_count_by_the_order(settings, auditor, officer):
    pattern_order = order_make(issued_by=officer, plate="", pattern="12가34**", case_number="2026-PATTERN-1")
    officer_client = _signed_in(officer)
    for _ in range(settings.AUDIT_REPEATED_LOOKS):
        assert officer_client.get(reverse("order", args=[pattern_order.id])).status_code == 200
    flags, page = _flags_page(auditor)
    [flag] = flags[Kind.REPEATED_LOOKUP]
    assert str(flag.order_id) == str(pattern_order.id)
    assert reverse("audit:order", args=[pattern_order.id]) in page


def test_a_few_looks_at_a_case_raise_no_flag(settings, auditor, officer, order, three_sightings):
    officer_client = _signed_in(officer)
    for sighting in three_sightings:
        officer_client.get(reverse("sighting", args=[sighting.id]))
    officer_client.get(reverse("sightings:order-detail", args=[order.id]))
    officer_client.get(reverse("sightings", query={"order": order.id}))
    assert _raised(auditor) == {}


def test_the_window_counts_only_looks_close_together():
    start = timezone.now()
    minutes = [0, 1, 2, 30, 61, 62, 200]
    times = [start + dt.timedelta(minutes=m) for m in minutes]
    assert _most_within(times, dt.timedelta(minutes=60)) == 4  # 0, 1, 2, 30 (or 2, 30, 61, 62)
    assert _most_within(times, dt.timedelta(minutes=5)) == 3
    assert _most_within([], dt.timedelta(minutes=5)) == 0


# ---- looks outside working hours -------------------------------------------------------------------------


def _hours_without_now() -> tuple[int, int]:
    """Working hours that leave out the current hour and the next (KST)."""
    hour = timezone.localtime().hour
    if hour <= 21:
        return (hour + 2, 24)
    return (0, 22) if hour == 22 else (1, 23)


def test_looks_outside_working_hours_raise_a_flag(settings, auditor, officer, order, three_sightings):
    settings.AUDIT_WORKING_HOURS = _hours_without_now()
    officer_client = _signed_in(officer)
    assert officer_client.get(reverse("sightings", query={"order": order.id})).status_code == 200
    assert officer_client.get(reverse("order", args=[order.id])).status_code == 200
    flags, page = _flags_page(auditor)
    [flag] = flags[Kind.LOOKS_OUTSIDE_HOURS]
    assert flag.person == "officer" and flag.count == 2
    assert "showing 4 objects" in flag.detail  # three sightings and the order
    assert "KST" in flag.detail


def test_looks_within_working_hours_raise_no_flag(settings, auditor, officer, order, three_sightings):
    hour = timezone.localtime().hour
    settings.AUDIT_WORKING_HOURS = (0, 24) if hour == 23 else (max(0, hour - 1), hour + 2)
    officer_client = _signed_in(officer)
    officer_client.get(reverse("sightings", query={"order": order.id}))
    officer_client.get(reverse("order", args=[order.id]))
    assert _raised(auditor) == {}


# ---- bulk listing of sightings ---------------------------------------------------------------------------


def test_listing_many_sightings_within_an_hour_raises_a_flag(settings, auditor, officer, order, camera):
    settings.AUDIT_BULK_SIGHTINGS_PER_HOUR = 20
    for _ in range(12):
        sighting_make(order, camera)
    officer_client = _signed_in(officer)
    for _ in range(2):
        response = officer_client.get(reverse("sightings"))
        assert response.status_code == 200 and len(response.json()["results"]) == 12
    [flag] = _raised(auditor)[Kind.BULK_LISTING]
    assert flag.person == "officer" and flag.count == 24
    assert flag.entries["object_type"] == "sighting"


def test_one_listing_under_the_threshold_raises_no_flag(settings, auditor, officer, order, camera):
    settings.AUDIT_BULK_SIGHTINGS_PER_HOUR = 20
    for _ in range(12):
        sighting_make(order, camera)
    assert _signed_in(officer).get(reverse("sightings")).status_code == 200
    assert _raised(auditor) == {}


# ---- refusals in a row -----------------------------------------------------------------------------------


def test_refusals_in_a_row_raise_a_flag(settings, auditor, other_officer, officer, order, camera):
    requests = [footage_request_make(order=order, camera=camera, requested_by=officer) for _ in range(3)]
    prober = _signed_in(other_officer)
    # Another agency's footage requests (hidden as not found), then the ledger (forbidden).
    for footage_request in requests:
        assert prober.get(reverse("footage-request", args=[footage_request.id])).status_code == 404
    for _ in range(settings.AUDIT_REFUSALS_IN_A_ROW - 3 + 1):
        assert prober.get(reverse("audit:ledger")).status_code == 403
    flags, page = _flags_page(auditor)
    [flag] = flags[Kind.REFUSALS_IN_A_ROW]
    assert flag.person == "officer-elsewhere" and flag.count == settings.AUDIT_REFUSALS_IN_A_ROW + 1
    entries = _signed_in(auditor).get(reverse("audit:access-log"), flag.entries).context["page"].object_list
    assert {row.outcome for row in entries} == {"denied", "not-found"}
    assert len(entries) == settings.AUDIT_REFUSALS_IN_A_ROW + 1


def test_refusals_broken_by_ordinary_work_raise_no_flag(settings, auditor, officer, order):
    officer_client = _signed_in(officer)
    for _ in range(3):
        for _ in range(settings.AUDIT_REFUSALS_IN_A_ROW - 1):
            assert officer_client.get(reverse("audit:ledger")).status_code == 403
        assert officer_client.get(reverse("order", args=[order.id])).status_code == 200
    assert Kind.REFUSALS_IN_A_ROW not in _raised(auditor)


# ---- an order's sightings viewed by another agency -------------------------------------------------------


def test_another_agency_looking_at_an_order_and_its_sightings_raises_a_flag(
    auditor, other_officer, order, three_sightings
):
    outsider = _signed_in(other_officer)
    assert outsider.get(reverse("sighting", args=[three_sightings[0].id])).status_code == 200
    assert outsider.get(reverse("sightings", query={"order": order.id})).status_code == 200
    assert outsider.get(reverse("order", args=[order.id])).status_code == 200
    flags, page = _flags_page(auditor)
    [flag] = flags[Kind.OTHER_AGENCY]
    assert flag.person == "officer-elsewhere" and flag.count == 3 and str(flag.order_id) == str(order.id)
    assert "경기남부경찰청" in flag.detail and "서울경찰청" in flag.detail
    assert reverse("audit:order", args=[order.id]) in page
    order_page = _signed_in(auditor).get(reverse("audit:order", args=[order.id])).content.decode()
    assert "another agency" in order_page


def test_the_issuing_agency_looking_at_its_own_order_raises_no_flag(auditor, officer, order, three_sightings):
    own = _signed_in(officer)
    own.get(reverse("sighting", args=[three_sightings[0].id]))
    own.get(reverse("sightings", query={"order": order.id}))
    own.get(reverse("order", args=[order.id]))
    assert _raised(auditor) == {}


# ---- several active orders for one plate -----------------------------------------------------------------


def _order_body(**fields) -> dict:
    return {"plate": "34나5678", "crime": "robbery", "legal_basis": "18-2-7", "case_number": "2026-A-1", **fields}


def test_a_second_active_order_for_one_plate_raises_a_flag(auditor, officer, other_officer):
    first = _signed_in(officer).post(reverse("orders"), _order_body(), content_type="application/json")
    assert first.status_code == 201, first.content
    second = _signed_in(other_officer).post(
        reverse("orders"),
        _order_body(case_number="2026-B-7", separate_case=True),
        content_type="application/json",
    )
    assert second.status_code == 201, second.content
    flags, page = _flags_page(auditor)
    [flag] = flags[Kind.DUPLICATE_ORDERS]
    assert "34나5678" in flag.detail and "2026-A-1" in flag.detail and "2026-B-7" in flag.detail
    assert flag.who == "officer, officer-elsewhere"
    assert reverse("audit:order", args=[second.json()["id"]]) in page


def test_one_active_order_per_plate_raises_no_flag(auditor, officer):
    client = _signed_in(officer)
    assert client.post(reverse("orders"), _order_body(), content_type="application/json").status_code == 201
    other_plate = _order_body(plate="56다7890", case_number="2026-A-2")
    assert client.post(reverse("orders"), other_plate, content_type="application/json").status_code == 201
    # An order that is no longer active does not count.
    order_make(issued_by=officer, plate="34나5678", case_number="2026-OLD-1", status=WantedOrder.Status.RESOLVED)
    assert Kind.DUPLICATE_ORDERS not in _raised(auditor)
