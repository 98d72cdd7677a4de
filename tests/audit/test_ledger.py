"""The ledger and the access log: every Decree field, append-only in the database, tamper evident."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import db_triggers
from audit.ledger import verify_stored
from audit.management.commands.verify_ledger import synthetic_entries_append
from audit.models import AccessLogEntry, DisclosureEntry
from audit.services import access_log_record, ledger_record_footage, ledger_record_locations
from sightings.hits.references import disclosure_references
from sightings.models import Sighting
from tests.factories import footage_request_make, sighting_make


def locations_record(*, sightings, file_hashes=None) -> list[DisclosureEntry]:
    """Records location entries as sightings' delivery does: with the orders and cameras it loads for them."""
    sightings = list(sightings)
    orders, cameras = disclosure_references(sightings)
    return ledger_record_locations(sightings=sightings, orders=orders, cameras=cameras, file_hashes=file_hashes)


def verify(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_ledger", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_a_location_entry_has_every_decree_field(order, camera, officer):
    sighting = sighting_make(order, camera)
    [entry] = locations_record(sightings=[sighting], file_hashes={sighting.id: [("plate.jpg", "ab" * 32)]})
    entry = DisclosureEntry.objects.get(pk=entry.pk)
    assert entry.kind == "location"
    assert entry.sequence == 1 and len(entry.entry_hash) == 64 and entry.prev_hash == "0" * 64
    # Decree Art. 15: file, recipient, purpose, legal basis, items, date/period, form, safeguards.
    assert "은평구" in entry.file_name
    assert entry.recipient == officer.agency.name and entry.recipient_agency == officer.agency
    assert "Robbery" in entry.purpose or "강도" in entry.purpose
    assert entry.legal_basis == "18-2-7"
    assert "plate" in entry.data_items or "번호" in entry.data_items
    assert entry.provided_at == sighting.received_at
    assert entry.window_start == entry.window_end == sighting.seen_at
    assert entry.form and entry.safeguards
    # Who, which case, from where.
    assert entry.municipality == camera.municipality and "은평구" in entry.provider
    assert entry.requester == order.issued_by and entry.approver is None
    assert entry.case_number == order.case_number
    assert (entry.order_id, entry.sighting_id, entry.camera_id) == (order.id, sighting.id, camera.id)
    assert entry.file_hashes == [{"name": "plate.jpg", "sha256": "ab" * 32}]
    assert entry.created_at is not None


def test_a_footage_entry_records_the_request_the_approver_and_each_file(order, camera, officer, operator):
    request = footage_request_make(
        order=order, camera=camera, requested_by=officer, access_until=timezone.now() + dt.timedelta(hours=72)
    )
    files = [("clip.mp4", "cd" * 32), ("still.jpg", "ef" * 32)]
    entry = ledger_record_footage(request=request, approver=operator, files=files)
    entry = DisclosureEntry.objects.get(pk=entry.pk)
    assert entry.kind == "footage"
    assert entry.footage_request_id == request.id
    assert entry.requester == officer and entry.approver == operator
    assert entry.purpose == request.purpose and entry.legal_basis == "18-2-7"
    assert (entry.window_start, entry.window_end) == (request.window_start, request.window_end)
    assert entry.camera_id == camera.id and entry.municipality == camera.municipality
    assert entry.recipient == officer.agency.name
    assert entry.file_hashes == [{"name": n, "sha256": h} for n, h in files]
    assert camera.code in entry.data_items


def test_entries_are_numbered_and_chained_in_order(order, camera, officer, operator):
    locations_record(sightings=[sighting_make(order, camera) for _ in range(3)])
    ledger_record_footage(
        request=footage_request_make(order=order, camera=camera, requested_by=officer), approver=operator, files=[]
    )
    entries = list(DisclosureEntry.objects.order_by("sequence"))
    assert [e.sequence for e in entries] == [1, 2, 3, 4]
    assert all(after.prev_hash == before.entry_hash for before, after in zip(entries, entries[1:], strict=False))
    assert verify_stored(DisclosureEntry).ok


def test_recording_nothing_writes_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert ledger_record_locations(sightings=[], orders={}, cameras={}) == []


def test_recording_a_batch_costs_a_fixed_number_of_queries(order, camera, django_assert_num_queries):
    sightings = [sighting_make(order, camera) for _ in range(20)]
    with django_assert_num_queries(2):  # the orders with their agencies, the cameras with their places
        orders, cameras = disclosure_references(sightings)
    # The ledger reads nothing of sightings' own: the chain head, one INSERT, the monthly counts' two upserts
    # (audit.disclosure_months), the savepoint pair; PostgreSQL adds the chain lock.
    with django_assert_num_queries(7 if connection.vendor == "postgresql" else 6):
        ledger_record_locations(sightings=sightings, orders=orders, cameras=cameras)
    assert DisclosureEntry.objects.count() == 20


def test_an_entry_rolls_back_with_the_callers_transaction(order, camera):
    sighting = sighting_make(order, camera)
    with pytest.raises(RuntimeError), transaction.atomic():
        locations_record(sightings=[sighting])
        raise RuntimeError("the caller failed")
    assert DisclosureEntry.objects.count() == 0
    locations_record(sightings=[sighting])
    assert DisclosureEntry.objects.get().sequence == 1


def test_the_access_log_records_actor_object_outcome_and_address(rf, order, officer):
    request = rf.get("/orders/x/", REMOTE_ADDR="10.1.2.3")
    entry = access_log_record(actor=officer, action="view", obj=order, outcome="allowed", request=request)
    entry = AccessLogEntry.objects.get(pk=entry.pk)
    assert (entry.actor, entry.actor_label, entry.action) == (officer, "officer", "view")
    assert (entry.object_type, entry.object_id, entry.plate) == ("wantedorder", str(order.id), order.plate)
    assert (entry.outcome, entry.ip, entry.path) == ("allowed", "10.1.2.3", "/orders/x/")
    denied = access_log_record(actor=None, action="view", obj=("ledger", ""), outcome="denied")
    assert (denied.actor_label, denied.sequence, denied.prev_hash) == ("anonymous", 2, entry.entry_hash)
    assert verify_stored(AccessLogEntry).ok


@pytest.mark.parametrize(
    ("table", "statement"),
    [
        ("audit_disclosureentry", "UPDATE audit_disclosureentry SET purpose = 'nothing to see'"),
        ("audit_disclosureentry", "DELETE FROM audit_disclosureentry"),
        ("audit_accesslogentry", "UPDATE audit_accesslogentry SET outcome = 'allowed'"),
        ("audit_accesslogentry", "DELETE FROM audit_accesslogentry"),
    ],
)
def test_the_database_refuses_to_change_or_remove_entries(table, statement, order, camera, officer):
    locations_record(sightings=[sighting_make(order, camera)])
    access_log_record(actor=officer, action="view", obj=order, outcome="denied")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert DisclosureEntry.objects.count() == 1 and AccessLogEntry.objects.count() == 1
    assert DisclosureEntry.objects.get().purpose != "nothing to see"


def test_the_orm_cannot_change_an_entry_either(order, camera):
    [entry] = locations_record(sightings=[sighting_make(order, camera)])
    entry.purpose = "edited"
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        DisclosureEntry.objects.all().delete()


def test_verify_ledger_passes_an_intact_ledger_and_counts_it(order, camera, officer):
    locations_record(sightings=[sighting_make(order, camera) for _ in range(3)])
    access_log_record(actor=officer, action="view", obj=order)
    code, out, err = verify()
    assert code == 0, err
    assert "disclosure ledger: 3 entries, chain intact" in out
    assert "access log: 1 entries, chain intact" in out


def test_verify_ledger_names_an_entry_altered_behind_the_triggers_back(order, camera):
    locations_record(sightings=[sighting_make(order, camera) for _ in range(4)])
    with db_triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_disclosureentry SET recipient = 'someone else' WHERE sequence = 3")
    assert db_triggers.installed_on(connection)
    code, _, err = verify()
    assert code == 1
    assert "disclosure ledger: BROKEN at entry 3: altered content" in err


def test_verify_ledger_names_a_gap_where_an_entry_was_deleted(order, camera, officer):
    for _ in range(3):
        access_log_record(actor=officer, action="view", obj=order)
    with db_triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_accesslogentry WHERE sequence = 2")
    code, _, err = verify()
    assert code == 1
    assert "access log: BROKEN at entry 3: gap in sequence (expected 2)" in err


def test_verify_ledger_benchmark_reports_a_rate():
    code, out, _ = verify("--benchmark", "2000")
    assert code == 0
    assert "verification: median" in out and "entries/s" in out


def test_verify_ledger_stored_benchmark_measures_the_database_path_and_keeps_nothing(order, camera, officer):
    locations_record(sightings=[sighting_make(order, camera)])
    before = list(DisclosureEntry.objects.values_list("sequence", "entry_hash"))
    code, out, _ = verify("--benchmark-stored", "300")
    assert code == 0
    assert "run 1: 301 stored entries" in out and "stored verification: median" in out
    assert list(DisclosureEntry.objects.values_list("sequence", "entry_hash")) == before
    assert verify()[0] == 0


def test_verify_ledger_stored_benchmark_needs_a_municipality(db):
    with pytest.raises(CommandError, match="needs at least one municipality"):
        call_command("verify_ledger", "--benchmark-stored", "10", stdout=io.StringIO())


@pytest.mark.services
def test_a_chain_broken_early_leaves_the_transaction_around_it_usable(municipality):
    # Enough entries that the database is still sending when verification stops at the broken one.
    synthetic_entries_append(3000, municipality)
    second = DisclosureEntry.objects.get(sequence=2)
    with db_triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_disclosureentry SET purpose = 'changed' WHERE id = %s", [second.id])
    verdict = verify_stored(DisclosureEntry)
    assert (verdict.ok, verdict.first_broken.sequence, verdict.first_broken.reason) == (False, 2, "altered content")
    assert DisclosureEntry.objects.count() == 3000  # the test's own transaction still answers


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_still_make_one_unbroken_chain(order, camera, officer):
    sightings = [sighting_make(order, camera) for _ in range(40)]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def append(batch: list[Sighting]) -> None:
        try:
            barrier.wait(timeout=10)
            for sighting in batch:
                locations_record(sightings=[sighting])
                access_log_record(actor=officer, action="view", obj=sighting)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(sightings[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    for model in (DisclosureEntry, AccessLogEntry):
        verdict = verify_stored(model)
        assert (verdict.ok, verdict.entries) == (True, 40)


@pytest.mark.services
def test_the_fast_postgresql_reader_sees_exactly_what_the_orm_sees(rf, order, camera, officer, operator):
    from audit.ledger import _orm_links, _pg_links

    request = footage_request_make(
        order=order, camera=camera, requested_by=officer, access_until=timezone.now() + dt.timedelta(hours=1)
    )
    ledger_record_footage(request=request, approver=operator, files=[("장면 1.mp4", "ab" * 32)])
    locations_record(sightings=[sighting_make(order, camera)])
    access_log_record(actor=officer, action="view", obj=order, request=rf.get("/", REMOTE_ADDR="2001:db8::1"))
    access_log_record(actor=None, action="view", obj="ledger", outcome="denied")
    for model in (DisclosureEntry, AccessLogEntry):
        assert list(_pg_links(model)) == list(_orm_links(model, chunk_size=1))


def test_the_migrations_install_every_append_only_trigger(db):
    assert db_triggers.installed_on(connection)
