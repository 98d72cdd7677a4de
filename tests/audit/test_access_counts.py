"""The access log counted per person and hour (audit.access_counts): kept by every writer, equal to a recount of the
log, and read by the anomaly scans, which raise exactly the flags the scans of the period's entries raised
(tests/audit/anomalies_before.py, the scans as they were)."""

from __future__ import annotations

import datetime as dt
import importlib
from collections import Counter
from unittest import mock

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from audit import anomalies
from audit.access_counts import access_counts_rebuild
from audit.filters import start_of
from audit.models import AccessHour, AccessLogEntry, AccessOrderHour, AccessSubjectHour
from audit.services import access_entry_write, access_log_record_many
from tests.audit import anomalies_before
from tests.factories import order_make, sighting_make

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _working_week(settings) -> None:
    """Monday to Friday, nine to six, no public holidays: the looks at night below are outside working hours."""
    settings.AUDIT_WORKING_HOURS = (9, 18)
    settings.AUDIT_WORKING_DAYS = (1, 2, 3, 4, 5)
    settings.AUDIT_PUBLIC_HOLIDAYS = ""
    settings.AUDIT_BULK_SIGHTINGS_PER_HOUR = 1000
    settings.AUDIT_REFUSALS_IN_A_ROW = 5


def at(days_ago: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """A moment in the site's time zone, days_ago days before today."""
    day = TODAY - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute, second)))


def request_by(person: User, when: dt.datetime, *, outcome: str = "allowed", **what) -> AccessLogEntry:
    """A person's request recorded as the access-log middleware records it, at a chosen moment."""
    fields = {"object_type": "home", "object_id": "", "plate": "", "shown": None, "filters": ""} | what
    fields["object_id"] = str(fields["object_id"])
    with mock.patch("audit.services.timezone.now", return_value=when):
        return access_entry_write(
            request=RequestFactory().get("/"),
            user=person,
            action="get",
            outcome=outcome,
            reason="" if outcome == "allowed" else "forbidden",
            **fields,
        )


def period(days: int = 30) -> tuple[dt.datetime, dt.datetime]:
    """The anomalies page's period: the last `days` days and today, from midnight to midnight."""
    return start_of(TODAY - dt.timedelta(days=days)), start_of(TODAY + dt.timedelta(days=1))


def flag_keys(flags: list) -> Counter:
    return Counter(
        (f.kind, f.at, f.who, f.detail, f.entry_id, f.count, f.person, f.order_id, tuple(sorted(f.entries.items())))
        for f in flags
    )


@pytest.fixture
def a_month_of_requests(officer, other_officer, operator, auditor, camera, order):
    """A month of requests that raises every flag about looks and refusals, and ordinary work beside them, written
    in time order as the requests come."""
    pattern_order = order_make(issued_by=officer, plate="", pattern="12가34**", case_number="2026-PATTERN")
    seen = [sighting_make(order, camera) for _ in range(3)]
    on_order = {"object_type": "wantedorder", "object_id": order.pk, "plate": order.plate, "shown": 1}
    requests: list[tuple[dt.datetime, User, dict]] = []
    # Ordinary work: the officer on their own agency's order in the afternoon, the operator on their queue.
    for day in range(1, 28, 3):
        requests.append((at(day, 14), officer, on_order))
        requests.append((at(day, 15), operator, {"object_type": "sightings:footage-list", "shown": 20}))
    # Another agency's officer: the order again and again across a clock hour, one of its sightings, its list.
    for minute in range(50, 60, 2):
        requests.append((at(3, 10, minute), other_officer, on_order))
    for minute in range(0, 30, 5):
        one = {"object_type": "sighting", "object_id": seen[0].pk, "plate": order.plate, "shown": 1}
        requests.append((at(3, 11, minute), other_officer, one))
    requests.append((at(2, 16), other_officer, {"object_type": "sighting", "filters": f"order={order.pk}", "shown": 3}))
    for minute in range(10):
        requests.append((at(5, 16, minute), officer, {"object_type": "wantedorder", "object_id": pattern_order.pk}))
    # Looks at night, on several days.
    for day in (1, 4, 9):
        one = {"object_type": "sighting", "object_id": seen[1].pk, "plate": order.plate, "shown": 1}
        requests.append((at(day, 2, 30), officer, one))
        requests.append((at(day, 23, 59), officer, {"object_type": "sightings", "shown": 50}))
    # Many sightings shown within one clock hour.
    requests.append((at(6, 13, 5), officer, {"object_type": "sighting", "shown": 600}))
    requests.append((at(6, 13, 55), officer, {"object_type": "sighting", "shown": 500}))
    # Refusals in a row: across a clock hour, two runs in one hour, one begun before the period, one at its end.
    denied, not_found = {"outcome": "denied"}, {"outcome": "not-found"}
    requests += [(at(7, 9, minute), operator, denied) for minute in (57, 58, 59)]
    requests += [(at(7, 10, minute), operator, not_found) for minute in (0, 1, 2)]
    requests.append((at(7, 10, 3), operator, {}))
    requests += [(at(8, 11, minute), operator, denied) for minute in (*range(10, 15), *range(20, 26))]
    requests.append((at(8, 11, 19), operator, {}))
    requests += [(at(31, 23, 59, second), auditor, denied) for second in range(0, 50, 10)]
    requests += [(at(30, 0, minute), auditor, denied) for minute in range(4)]
    requests += [(at(0, 23, minute), auditor, not_found) for minute in range(54, 60)]
    # Bulk access, written as one batch (audit.services.access_log_record_many).
    requests.append((at(2, 8, 30), auditor, {"batch": 200}))
    for when, person, fields in sorted(requests, key=lambda item: item[0]):
        if "batch" in fields:
            with mock.patch("audit.services.timezone.now", return_value=when):
                objects = [("sighting", n) for n in range(fields["batch"])]
                access_log_record_many(actor=person, action="view", objects=objects)
        else:
            request_by(person, when, **fields)


def test_every_scan_raises_the_flags_the_scans_of_the_entries_raised(a_month_of_requests):
    since, until = period()
    counted = anomalies.anomaly_flags(since=since, until=until)
    read = anomalies_before.anomaly_flags(since=since, until=until)
    assert counted.keys() == read.keys()
    for kind in counted:
        assert flag_keys(counted[kind]) == flag_keys(read[kind]), kind
    raised = {kind for kind, flags in counted.items() if flags}
    assert raised >= {
        anomalies.Kind.REPEATED_LOOKUP,
        anomalies.Kind.LOOKS_OUTSIDE_HOURS,
        anomalies.Kind.BULK_LISTING,
        anomalies.Kind.REFUSALS_IN_A_ROW,
        anomalies.Kind.OTHER_AGENCY,
        anomalies.Kind.BULK_ACCESS,
    }
    # Two runs in one hour, the second carried on the next morning across clock hours (the operator did nothing
    # in between), the run begun before the period cut to its 4 refusals in it, and the run at the period's end.
    assert sorted(flag.count for flag in counted[anomalies.Kind.REFUSALS_IN_A_ROW]) == [5, 6, 12]
    # The looks by another agency: the order's page, one of its sightings and the list of its sightings.
    [other] = counted[anomalies.Kind.OTHER_AGENCY]
    assert other.count == 5 + 6 + 1


@pytest.mark.parametrize("days", [1, 7, 29])
def test_shorter_periods_cut_runs_and_looks_as_reading_the_entries_did(a_month_of_requests, days):
    since, until = period(days)
    counted = anomalies.anomaly_flags(since=since, until=until)
    read = anomalies_before.anomaly_flags(since=since, until=until)
    assert {kind: flag_keys(flags) for kind, flags in counted.items()} == {
        kind: flag_keys(flags) for kind, flags in read.items()
    }


def counts_as_kept() -> dict[str, Counter]:
    fields = {
        AccessHour: [f.name for f in AccessHour._meta.fields if f.name != "id"],
        AccessSubjectHour: ["hour", "actor", "subject", "looks", "first_at", "last_at"],
        AccessOrderHour: ["hour", "order", "agency", "actor", "looks", "first_at", "last_at"],
    }
    return {
        model.__name__: Counter(tuple(values) for values in model.objects.values_list(*names))
        for model, names in fields.items()
    }


def test_the_counts_kept_as_the_log_is_written_equal_a_recount_of_the_log(a_month_of_requests):
    kept = counts_as_kept()
    assert all(kept.values())
    AccessHour.objects.filter(pk=AccessHour.objects.first().pk).update(requests=999)
    access_counts_rebuild()
    assert counts_as_kept() == kept


def test_the_migrations_fill_equals_the_counts_kept(a_month_of_requests):
    kept = counts_as_kept()
    for model in (AccessHour, AccessSubjectHour, AccessOrderHour):
        model.objects.all().delete()
    importlib.import_module("audit.migrations.0011_access_counts").count_existing(apps, None)
    assert counts_as_kept() == kept


def test_a_request_rolled_back_takes_its_counts_with_it(officer, order):
    request_by(officer, at(1, 10), object_type="wantedorder", object_id=order.pk, plate=order.plate, shown=1)
    kept = counts_as_kept()
    with pytest.raises(RuntimeError), transaction.atomic():
        request_by(officer, at(1, 10, 5), object_type="wantedorder", object_id=order.pk, plate=order.plate, shown=1)
        raise RuntimeError("the request failed after its entry was written")
    assert counts_as_kept() == kept


def test_a_look_at_the_officers_own_agencys_order_is_no_look_at_another_agencys(officer, other_officer, order):
    request_by(officer, at(1, 10), object_type="wantedorder", object_id=order.pk, plate=order.plate, shown=1)
    assert not AccessOrderHour.objects.exists()
    request_by(other_officer, at(1, 10), object_type="wantedorder", object_id=order.pk, plate=order.plate, shown=1)
    [look] = AccessOrderHour.objects.all()
    assert (look.order_id, look.agency_id, look.looks) == (order.pk, other_officer.agency_id, 1)


def test_the_scans_read_the_counts_and_not_the_periods_entries(a_month_of_requests, officer, operator):
    # Ordinary traffic besides: none of it can raise a flag that needs entries read to be told apart.
    for day in range(1, 20):
        request_by(officer, at(day, 11), object_type="sightings", shown=100)
        request_by(operator, at(day, 12), outcome="denied")
    since, until = period()
    with CaptureQueriesContext(connection) as captured:
        anomalies.anomaly_flags(since=since, until=until)
    read = [query["sql"] for query in captured.captured_queries if "audit_accesslogentry" in query["sql"]]
    # The failed sign-ins (refusals only, by their index), the looks of a repeated lookup's candidates and the
    # hours in which refusals came in a row: nothing else reads the log.
    assert len(read) == 3, read
