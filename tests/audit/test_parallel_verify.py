"""A long chain verified in ranges by several processes gives the serial verdict, breaks included."""

from __future__ import annotations

import pytest
from django.db import connection

from audit import chain, db_triggers, parallel_verify
from audit.ledger import verify_stored
from audit.models import AccessLogEntry
from audit.services import access_log_record_many

pytestmark = pytest.mark.django_db(transaction=True)


def test_ranges_cover_every_sequence_once():
    assert parallel_verify.ranges_for(10, 3) == [(1, 4), (5, 7), (8, 10)]
    assert parallel_verify.ranges_for(2, 8) == [(1, 1), (2, 2)]
    covered = [n for first, last in parallel_verify.ranges_for(1_000_003, 7) for n in range(first, last + 1)]
    assert covered == list(range(1, 1_000_004))


@pytest.fixture
def long_access_log(officer, monkeypatch):
    monkeypatch.setattr(parallel_verify, "MIN_ENTRIES_PER_WORKER", 10)
    access_log_record_many(actor=officer, action="view", objects=[("order", str(n)) for n in range(90)])
    return AccessLogEntry


def test_parallel_verification_agrees_with_the_serial_one(long_access_log):
    serial = verify_stored(long_access_log)
    parallel = parallel_verify.verify_stored_parallel(long_access_log, workers=4)
    assert serial.ok and parallel.ok
    assert (parallel.entries, parallel.head) == (serial.entries, serial.head) == (90, serial.head)


@pytest.mark.parametrize("altered_sequence", [1, 23, 24, 45, 90])
def test_an_altered_entry_in_any_range_is_found_where_serial_verification_finds_it(long_access_log, altered_sequence):
    with db_triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_accesslogentry SET object_id = 'tampered' WHERE sequence = %s", [altered_sequence])
    serial = verify_stored(long_access_log)
    parallel = parallel_verify.verify_stored_parallel(long_access_log, workers=4)
    assert not parallel.ok
    assert parallel.first_broken == serial.first_broken == chain.Broken(altered_sequence, chain.ALTERED)
    assert parallel.entries == serial.entries == altered_sequence - 1


def test_a_row_removed_at_a_range_boundary_is_a_gap(long_access_log):
    with db_triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_accesslogentry WHERE sequence = 46")  # the last of the second range
    serial = verify_stored(long_access_log)
    parallel = parallel_verify.verify_stored_parallel(long_access_log, workers=4)
    assert not parallel.ok
    assert parallel.entries == serial.entries == 45
    assert parallel.first_broken.reason == serial.first_broken.reason == chain.SEQUENCE_GAP
    # Serial verification notices the gap at the next row; a range that ends early names the missing one.
    assert parallel.first_broken.sequence == 46
