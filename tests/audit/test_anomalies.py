"""Anomaly flags fire on constructed patterns and stay quiet on ordinary work.

The flags about what people looked at are made to fire through the public pages and API in
tests/audit/test_anomalies_through_pages.py; these construct ledger and access-log rows directly.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from audit.anomalies import BULK_ACCESS_PER_HOUR, Kind, anomaly_flags
from audit.services import access_log_record, access_log_record_many, ledger_record_footage
from sightings.models import WantedOrder
from tests.audit.test_ledger import locations_record
from tests.factories import footage_request_make, sighting_make


def _recent(weekday: int, hour: int) -> dt.datetime:
    """The most recent past day with this ISO weekday (1 = Monday), at hour:15 in the site's time zone."""
    day = timezone.localdate() - dt.timedelta(days=1)
    while day.isoweekday() != weekday:
        day -= dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 15)))


@pytest.fixture(autouse=True)
def _default_working_week(settings) -> None:
    """Monday to Friday, nine to six; holidays only where a test asks (a recent Monday may be one)."""
    settings.AUDIT_WORKING_HOURS = (9, 18)
    settings.AUDIT_WORKING_DAYS = (1, 2, 3, 4, 5)
    settings.AUDIT_PUBLIC_HOLIDAYS = ""


def _flags() -> dict[str, list]:
    now = timezone.now()
    return anomaly_flags(since=now - dt.timedelta(days=30), until=now + dt.timedelta(minutes=1))


@pytest.fixture
def ordinary_work(order, camera, officer, operator):
    """A day's lawful work: hits, a few looks at them, one footage request approved on a weekday morning."""
    order.created_at = timezone.now() - dt.timedelta(days=10)
    order.save(update_fields=["created_at"])
    sightings = [sighting_make(order, camera) for _ in range(3)]
    locations_record(sightings=sightings)
    for sighting in sightings:
        access_log_record(actor=officer, action="view", obj=sighting)
    request = footage_request_make(order=order, camera=camera, requested_by=officer)
    ledger_record_footage(
        request=request, approver=operator, files=[("clip.mp4", "ab" * 32)], provided_at=_recent(3, 10)
    )


def test_ordinary_work_raises_no_flag(ordinary_work):
    assert {kind: flags for kind, flags in _flags().items() if flags} == {}


def test_it_flags_one_person_looking_up_one_plate_again_and_again(ordinary_work, order, camera, officer):
    sighting = sighting_make(order, camera)
    for _ in range(settings.AUDIT_REPEATED_LOOKS):
        access_log_record(actor=officer, action="view", obj=sighting)
    [flag] = _flags()[Kind.REPEATED_LOOKUP]
    assert flag.who == "officer" and order.plate in flag.detail and flag.count == settings.AUDIT_REPEATED_LOOKS + 3


def test_it_flags_a_disclosure_after_the_order_was_closed(ordinary_work, order, camera):
    order.status, order.closed_at = WantedOrder.Status.CANCELLED, timezone.now()
    order.save(update_fields=["status", "closed_at"])
    [entry] = locations_record(sightings=[sighting_make(order, camera)])
    [flag] = _flags()[Kind.NO_ACTIVE_ORDER]
    assert flag.entry_id == entry.id and f"#{entry.sequence}" in flag.detail


def test_it_flags_a_footage_request_made_after_the_order_expired(ordinary_work, order, camera, officer):
    order.expires_at = timezone.now() - dt.timedelta(minutes=5)
    order.save(update_fields=["expires_at"])
    footage_request_make(order=order, camera=camera, requested_by=officer, case_number="2026-LATE-1")
    flags = _flags()[Kind.NO_ACTIVE_ORDER]
    assert any("2026-LATE-1" in flag.detail for flag in flags)


@pytest.mark.parametrize(("weekday", "hour"), [(6, 11), (2, 23), (4, 7), (5, 18)])
def test_it_flags_footage_approved_outside_working_hours(
    ordinary_work, order, camera, officer, operator, weekday, hour
):
    request = footage_request_make(order=order, camera=camera, requested_by=officer, urgent=True)
    entry = ledger_record_footage(request=request, approver=operator, files=[], provided_at=_recent(weekday, hour))
    [flag] = _flags()[Kind.OUTSIDE_HOURS]
    assert flag.entry_id == entry.id and flag.who == "operator"


def _in_september_2026(day: int, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 9, day, hour, 15))


def test_a_footage_approval_on_a_public_holiday_is_flagged(settings, order, camera, officer, operator):
    settings.AUDIT_PUBLIC_HOLIDAYS = "KR"
    chuseok, tuesday_before = _in_september_2026(25, 11), _in_september_2026(22, 11)  # a Friday and a Tuesday
    approvals = []
    for provided_at in (chuseok, tuesday_before):
        request = footage_request_make(order=order, camera=camera, requested_by=officer)
        approvals.append(ledger_record_footage(request=request, approver=operator, files=[], provided_at=provided_at))
    flags = anomaly_flags(since=_in_september_2026(1, 0), until=_in_september_2026(30, 23))
    assert [flag.entry_id for flag in flags[Kind.OUTSIDE_HOURS]] == [approvals[0].id]


def test_public_holidays_are_korean_by_default_and_can_be_switched_off(settings):
    from audit.anomalies import public_holidays

    since, until = _in_september_2026(1, 0), _in_september_2026(30, 23)
    settings.AUDIT_PUBLIC_HOLIDAYS = "KR"
    assert public_holidays(since, until) == [dt.date(2026, 9, day) for day in (24, 25, 26)]  # Chuseok
    settings.AUDIT_PUBLIC_HOLIDAYS = ""
    assert public_holidays(since, until) == []


@pytest.mark.parametrize("hour", [9, 17])
def test_working_hours_are_not_flagged(ordinary_work, order, camera, officer, operator, hour):
    request = footage_request_make(order=order, camera=camera, requested_by=officer)
    ledger_record_footage(request=request, approver=operator, files=[], provided_at=_recent(1, hour))
    assert _flags()[Kind.OUTSIDE_HOURS] == []


def test_it_flags_bulk_access(ordinary_work, auditor):
    access_log_record_many(actor=auditor, action="view", objects=[("sighting", n) for n in range(BULK_ACCESS_PER_HOUR)])
    [flag] = _flags()[Kind.BULK_ACCESS]
    assert flag.who == "auditor" and flag.count == BULK_ACCESS_PER_HOUR


def test_just_under_the_bulk_threshold_is_not_flagged(ordinary_work, auditor):
    access_log_record_many(
        actor=auditor, action="view", objects=[("sighting", n) for n in range(BULK_ACCESS_PER_HOUR - 1)]
    )
    assert _flags()[Kind.BULK_ACCESS] == []


@pytest.mark.parametrize("approver", ["officer", "colleague"])
def test_it_flags_requester_and_approver_of_the_same_body(ordinary_work, request, order, camera, officer, approver):
    from accounts.models import User

    if approver == "colleague":
        approver = User.objects.create(username="colleague", role=User.Role.OFFICER, agency=officer.agency)
    else:
        approver = officer
    footage_request = footage_request_make(order=order, camera=camera, requested_by=officer)
    entry = ledger_record_footage(request=footage_request, approver=approver, files=[], provided_at=_recent(2, 11))
    [flag] = _flags()[Kind.SAME_BODY]
    assert flag.entry_id == entry.id


def test_the_anomaly_page_lists_the_flags(client, auditor, ordinary_work, order, camera, officer):
    sighting = sighting_make(order, camera)
    for _ in range(settings.AUDIT_REPEATED_LOOKS):
        access_log_record(actor=officer, action="view", obj=sighting)
    client.force_login(auditor)
    response = client.get("/audit/anomalies/")
    assert response.status_code == 200
    assert response.context["total"] == 1
    assert f"{settings.AUDIT_REPEATED_LOOKS + 3}" in response.content.decode()


def _sign_in(client, username: str, password: str, address: str):
    from django.urls import reverse

    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_it_flags_failed_sign_ins_for_one_username_from_several_addresses(client, ordinary_work, officer):
    # Under every lock-out limit: a few guesses from each of three addresses.
    for address in ("10.20.1.1", "10.20.1.1", "10.30.2.2", "10.30.2.2", "203.0.113.9"):
        assert _sign_in(client, "officer", "wrong-password", address).status_code == 200
    flags = _flags()[Kind.SIGN_IN_FAILURES]
    assert [(flag.who, flag.count) for flag in flags] == [("officer", 5)]
    assert "3 addresses" in flags[0].detail


def test_failed_sign_ins_from_one_address_are_not_that_flag(client, ordinary_work, officer):
    for _ in range(4):
        _sign_in(client, "officer", "wrong-password", "10.20.1.1")
    assert _sign_in(client, "officer", "still-wrong", "10.20.1.1").status_code in (200, 429)
    assert _flags()[Kind.SIGN_IN_FAILURES] == []
