"""Corrections: an entry found wrong without tampering is named by an append-only correction, never rewritten."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from audit import chain, db_triggers
from audit.ledger import verify_stored
from audit.models import AccessLogEntry, DisclosureEntry, LedgerCorrection
from audit.selectors import integrity_check
from audit.services import (
    LedgerCorrectionRefused,
    access_log_record,
    ledger_correction_record,
)
from tests.audit.test_ledger import locations_record, verify
from tests.factories import sighting_make

VERIFY_API = "/api/v1/audit/verify/"


def _links(count: int = 5) -> list[chain.Link]:
    return chain.chain({"sequence": n, "purpose": "case"} for n in range(1, count + 1))


def _altered(link: chain.Link, **fields) -> tuple[chain.Link, str]:
    """The link with changed content, and what that content hashes to now (what a correction records)."""
    changed = replace(link, fields={**link.fields, **fields})
    return changed, chain.entry_hash(changed.prev_hash, changed.fields)


def test_the_chain_reports_a_covered_mismatch_as_corrected():
    links = _links()
    links[1], found = _altered(links[1], purpose="as written by the old writer")
    verdict = chain.verify(links, {2: found})
    assert (verdict.ok, verdict.entries, verdict.first_broken, verdict.corrected) == (True, 5, None, (2,))
    assert verdict.head == links[-1].entry_hash


def test_the_chain_still_names_an_entry_changed_again_after_its_correction():
    links = _links()
    links[1], found = _altered(links[1], purpose="as found")
    links[1], _ = _altered(links[1], purpose="changed afterwards")
    verdict = chain.verify(links, {2: found})
    assert verdict.first_broken == chain.Broken(2, chain.ALTERED, "changed again after its correction")


def test_a_correction_covers_only_the_entry_it_names():
    links = _links()
    links[1], found = _altered(links[1], purpose="as found")
    links[3], _ = _altered(links[3], purpose="forged")
    verdict = chain.verify(links, {2: found})
    assert (verdict.ok, verdict.corrected, verdict.first_broken) == (False, (2,), chain.Broken(4, chain.ALTERED))


@pytest.fixture
def ledger(order, camera) -> list[DisclosureEntry]:
    return locations_record(sightings=[sighting_make(order, camera) for _ in range(4)])


def _alter(sequence: int, purpose: str) -> None:
    with db_triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_disclosureentry SET purpose = %s WHERE sequence = %s", [purpose, sequence])


def correct(*args: str) -> str:
    out = io.StringIO()
    call_command("ledger_correct", *args, stdout=out)
    return out.getvalue()


def test_an_operator_corrects_an_entry_and_verify_ledger_reports_it_corrected(ledger):
    _alter(2, "written wrong by a past defect")
    assert verify()[0] == 1
    out = correct("--chain", "ledger", "--sequence", "2", "--reason", "year written as 1 before the canonical fix")
    assert "recorded correction 1: ledger entry 2 is corrected" in out
    correction = LedgerCorrection.objects.get()
    assert (correction.chain, correction.corrects_sequence) == ("ledger", 2)

    code, out, err = verify()
    assert code == 0, err
    assert "disclosure ledger: 4 entries, chain intact with corrections, 1 corrected (entries 2;" in out
    assert "ledger corrections: 1 entries, chain intact" in out


def test_an_entry_changed_again_after_its_correction_is_broken_again(ledger):
    _alter(2, "as found")
    correct("--chain", "ledger", "--sequence", "2", "--reason", "past defect")
    _alter(2, "changed afterwards")
    code, _, err = verify()
    assert code == 1
    assert "disclosure ledger: BROKEN at entry 2: altered content (changed again after its correction)" in err


def test_tampering_after_a_corrected_entry_is_still_named(ledger):
    _alter(2, "as found")
    correct("--chain", "ledger", "--sequence", "2", "--reason", "past defect")
    _alter(4, "forged")
    code, _, err = verify()
    assert code == 1
    assert "disclosure ledger: BROKEN at entry 4: altered content (3 entries before it are intact, 1 corrected" in err


def test_it_refuses_to_correct_an_entry_that_verifies(ledger):
    with pytest.raises(CommandError, match="entry 3 verifies: there is nothing to correct"):
        correct("--chain", "ledger", "--sequence", "3", "--reason", "none")
    assert not LedgerCorrection.objects.exists()


def test_it_refuses_an_entry_that_does_not_exist(ledger):
    with pytest.raises(LedgerCorrectionRefused, match="ledger has no entry 9"):
        ledger_correction_record(chain="ledger", sequence=9, reason="typo")


def test_it_refuses_to_correct_an_entry_twice(ledger):
    _alter(2, "as found")
    ledger_correction_record(chain="ledger", sequence=2, reason="past defect")
    _alter(2, "changed afterwards")
    with pytest.raises(LedgerCorrectionRefused, match="corrected already"):
        ledger_correction_record(chain="ledger", sequence=2, reason="again")
    assert LedgerCorrection.objects.count() == 1


def test_it_corrects_the_access_log_too(officer, order):
    for _ in range(3):
        access_log_record(actor=officer, action="view", obj=order)
    with db_triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_accesslogentry SET path = '/changed' WHERE sequence = 1")
    ledger_correction_record(chain="access_log", sequence=1, reason="past defect")
    verdict = verify_stored(AccessLogEntry)
    assert (verdict.ok, verdict.entries, verdict.corrected) == (True, 3, (1,))


def test_the_integrity_check_verifies_the_corrections_and_tallies_chains(ledger):
    _alter(2, "as found")
    ledger_correction_record(chain="ledger", sequence=2, reason="past defect")
    verdicts = integrity_check()
    assert set(verdicts) == {"ledger", "access_log", "access_tally", "corrections"}
    assert verdicts["corrections"].ok and verdicts["access_tally"].ok
    # A correction edited to cover a forgery breaks the corrections' own chain.
    with db_triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_ledgercorrection SET reason = 'something else' WHERE sequence = 1")
    assert integrity_check()["corrections"].first_broken == chain.Broken(1, chain.ALTERED)


def test_the_auditor_sees_corrected_entries_in_the_api_and_on_the_page(client, auditor, ledger):
    _alter(3, "as found")
    ledger_correction_record(chain="ledger", sequence=3, reason="past defect")
    client.force_login(auditor)
    body = client.get(VERIFY_API).json()
    assert body["ledger"] == {"ok": True, "entries": 4, "first_broken": None, "corrected": [3]}
    assert body["corrections"]["ok"] is True and body["access_tally"]["ok"] is True
    page = client.get("/audit/verify/").content.decode()
    assert "intact with corrections" in page and "verdict-broken" not in page
