"""One canonical text for every datetime the chains hash, whoever computes it: the writer or either stored reader."""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from audit import chain
from audit.ledger import _orm_links, chain_fields, datetime_canonical, verify_stored
from audit.models import DisclosureEntry
from audit.services import ledger_record_footage
from tests.audit.test_ledger import locations_record
from tests.factories import footage_request_make, sighting_make

CANONICAL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


def _in_utc_range(value: dt.datetime) -> bool:
    # An offset can push year 1 below datetime.min or year 9999 above datetime.max in UTC: not a valid instant.
    try:
        value.astimezone(dt.UTC)
    except OverflowError:
        return False
    return True


# Real UTC offsets are whole minutes from -12:00 to +14:00 (PostgreSQL stores at most ±15:59).
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
instants = st.datetimes(
    min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59, 999999), timezones=offsets
).filter(_in_utc_range)


def test_the_canonical_text_pads_the_year_and_keeps_microseconds():
    assert datetime_canonical(dt.datetime(1, 1, 1, tzinfo=dt.UTC)) == "0001-01-01T00:00:00.000000Z"
    plus_nine = dt.timezone(dt.timedelta(hours=9))
    assert datetime_canonical(dt.datetime(2026, 3, 1, 8, 15, 30, 7, tzinfo=plus_nine)) == "2026-02-28T23:15:30.000007Z"
    assert datetime_canonical(dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)) == (
        "9999-12-31T23:59:59.999999Z"
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=instants, second=instants)
@example(first=dt.datetime(1, 1, 1, tzinfo=dt.UTC), second=dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC))
@example(
    first=dt.datetime(1, 1, 1, 0, 1, tzinfo=dt.timezone(dt.timedelta(minutes=1))),
    second=dt.datetime(999, 12, 31, 23, 0, 0, 1, tzinfo=dt.timezone(-dt.timedelta(hours=9))),
)
def test_entries_with_extreme_times_verify_in_memory_and_stored(order, camera, officer, operator, first, second):
    start, end = sorted((first, second))
    assume(start < end)  # a footage window must end after it starts
    sighting = sighting_make(order, camera, seen_at=first)
    written = locations_record(sightings=[sighting])
    request = footage_request_make(order=order, camera=camera, requested_by=officer, window_start=start, window_end=end)
    written.append(ledger_record_footage(request=request, approver=operator, files=[], provided_at=second))

    for entry in written:
        fields = chain_fields(entry)
        for name in ("provided_at", "window_start", "window_end", "created_at"):
            assert CANONICAL.fullmatch(fields[name]), fields[name]
        assert fields["window_start"] == datetime_canonical(entry.window_start)
    # The writer's own view of what it sealed (the in-memory chain) holds ...
    relinked = chain.chain([chain_fields(e) for e in written], prev_hash=written[0].prev_hash)
    assert [link.entry_hash for link in relinked] == [e.entry_hash for e in written]
    # ... and so does what each stored reader gives back: COPY on PostgreSQL, the ORM everywhere.
    verdict = verify_stored(DisclosureEntry)
    assert verdict.ok, verdict.first_broken and verdict.first_broken.describe()
    assert chain.verify(_orm_links(DisclosureEntry, chunk_size=100)).ok
    stored = {link.sequence: link.fields for link in _orm_links(DisclosureEntry, chunk_size=100)}
    assert stored[written[0].sequence]["window_start"] == datetime_canonical(first)
    if connection.vendor == "postgresql":
        from audit.ledger import _pg_links

        assert list(_pg_links(DisclosureEntry)) == list(_orm_links(DisclosureEntry, chunk_size=100))
