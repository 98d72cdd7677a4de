"""Published chain heads: signed, stored, in the auditors' file and on /transparency/; a cut chain fails to verify."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection

from audit import db_triggers, heads
from audit.models import AccessLogEntry, ChainHeadStatement, DisclosureEntry
from audit.services import access_log_record
from audit.tasks import chain_heads_publish as chain_heads_publish_task
from tests.audit.test_ledger import locations_record
from tests.factories import sighting_make


@pytest.fixture(autouse=True)
def heads_file(settings, tmp_path):
    settings.CHAIN_HEADS_SIGNING_KEY = "11" * 32
    settings.CHAIN_HEADS_PUBLIC_KEY = None
    settings.CHAIN_HEADS_FILE = tmp_path / "var" / "chain-heads.jsonl"
    return settings.CHAIN_HEADS_FILE


@pytest.fixture
def chains(order, camera, officer):
    """Three ledger entries and two access-log entries."""
    locations_record(sightings=[sighting_make(order, camera) for _ in range(3)])
    for _ in range(2):
        access_log_record(actor=officer, action="view", obj=order)


def publish() -> str:
    out = io.StringIO()
    with django_capture_on_commit():
        call_command("publish_chain_heads", stdout=out)
    return out.getvalue()


def django_capture_on_commit():
    """The file is written once the statements commit; the test's transaction never commits, so run them now."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def verify(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_ledger", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_publishing_stores_a_signed_statement_per_chain_and_appends_it_to_the_file(chains, heads_file):
    out = publish()
    assert "disclosure ledger: 3 entries" in out and "access log: 2 entries" in out
    stored = {s.chain: s for s in ChainHeadStatement.objects.all()}
    assert {name: s.entries for name, s in stored.items()} == {
        "ledger": 3,
        "access_log": 2,
        "tallies": 0,
        "corrections": 0,
    }
    assert stored["ledger"].head_hash == DisclosureEntry.objects.get(sequence=3).entry_hash
    lines = [json.loads(line) for line in heads_file.read_text().splitlines()]
    assert [line["chain"] for line in lines] == ["ledger", "access_log", "tallies", "corrections"]
    public_key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex("11" * 32)).public_key()
    for line in lines:
        message = heads.signed_message(
            chain_name=line["chain"],
            entries=line["entries"],
            head_hash=line["head_hash"],
            published_at=line["published_at"],
        )
        public_key.verify(bytes.fromhex(line["signature"]), message)  # raises if it does not verify
        assert line["public_key"] == heads.public_key_hex()
    publish()
    assert len(heads_file.read_text().splitlines()) == 8  # appended, never rewritten


def test_the_beat_task_publishes_daily_by_default(chains):
    assert django_settings.CELERY_BEAT_SCHEDULE["chain-heads-publish"] == {
        "task": "audit.chain_heads_publish",
        "schedule": dt.timedelta(hours=24),
    }
    assert chain_heads_publish_task.delay().get() == {"ledger": 3, "access_log": 2, "tallies": 0, "corrections": 0}


def test_publishing_needs_the_signing_key(settings, chains):
    settings.CHAIN_HEADS_SIGNING_KEY = None
    with pytest.raises(CommandError, match="CHAIN_HEADS_SIGNING_KEY must be set"):
        call_command("publish_chain_heads", stdout=io.StringIO())
    assert not ChainHeadStatement.objects.exists()


def test_verify_ledger_passes_chains_that_grew_after_publication(chains, order, officer):
    publish()
    access_log_record(actor=officer, action="view", obj=order)
    code, out, err = verify()
    assert code == 0, err
    assert "published heads: 4 statements checked, every chain still holds them" in out


def test_verify_ledger_names_entries_removed_from_the_end_after_publication(chains):
    publish()
    with db_triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_disclosureentry WHERE sequence = 3")
    code, out, err = verify()
    assert code == 1
    assert "disclosure ledger: 2 entries, chain intact" in out  # the chain alone cannot see it
    assert "disclosure ledger: BROKEN: cut off after publication" in err
    assert "3 entries, head" in err and "2 entries now" in err


@pytest.mark.services
def test_verify_ledger_names_both_ledgers_truncated_after_publication(chains):
    publish()
    # What the owner role (or a superuser) can do: TRUNCATE skips the row triggers.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own transaction defers its foreign keys
        cursor.execute("TRUNCATE audit_disclosureentry, audit_accesslogentry")
    assert not DisclosureEntry.objects.exists() and not AccessLogEntry.objects.exists()
    code, _, err = verify()
    assert code == 1
    assert "disclosure ledger: BROKEN: cut off after publication" in err
    assert "access log: BROKEN: cut off after publication" in err


def test_verify_ledger_names_a_chain_rewritten_from_scratch(chains, order, camera):
    publish()
    with db_triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_disclosureentry")
    # A new, internally valid chain, as long as the old one and longer.
    locations_record(sightings=[sighting_make(order, camera) for _ in range(4)])
    code, out, err = verify()
    assert code == 1
    assert "disclosure ledger: 4 entries, chain intact" in out
    assert "disclosure ledger: BROKEN: head differs from published" in err


def test_a_forged_statement_does_not_verify(chains):
    forger = Ed25519PrivateKey.generate()
    published_at = dt.datetime(2026, 11, 28, 0, 5, tzinfo=dt.UTC)
    message = heads.signed_message(chain_name="ledger", entries=0, head_hash="0" * 64, published_at=published_at)
    ChainHeadStatement.objects.create(
        chain="ledger", entries=0, head_hash="0" * 64, published_at=published_at, signature=forger.sign(message).hex()
    )
    code, _, err = verify()
    assert code == 1
    assert "disclosure ledger: BROKEN: published statement does not verify (forged or altered)" in err


def test_an_altered_statement_does_not_verify(chains):
    publish()
    with db_triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_chainheadstatement SET entries = 1 WHERE chain = 'access_log'")
    code, _, err = verify()
    assert code == 1
    assert "access log: BROKEN: published statement does not verify (forged or altered)" in err


def test_the_auditors_copy_shows_a_cut_after_the_stored_statements_are_gone(chains, heads_file, tmp_path):
    publish()
    auditors_copy = tmp_path / "auditors-copy.jsonl"
    auditors_copy.write_text(heads_file.read_text())
    # Someone with the owner's rights removes the entries and the statements that would show it.
    with db_triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_disclosureentry WHERE sequence > 1")
        cursor.execute("DELETE FROM audit_chainheadstatement")
    assert verify()[0] == 0
    code, _, err = verify("--published", str(auditors_copy))
    assert code == 1
    assert "disclosure ledger: BROKEN: cut off after publication (auditors-copy.jsonl" in err


def test_verify_ledger_refuses_a_published_file_it_cannot_read(tmp_path, db):
    junk = tmp_path / "junk.jsonl"
    junk.write_text("not json\n")
    with pytest.raises(CommandError, match="line 1: not a chain-head statement"):
        call_command("verify_ledger", "--published", str(junk), stdout=io.StringIO(), stderr=io.StringIO())


def test_the_transparency_page_shows_the_latest_signed_heads_and_the_key(client, chains):
    publish()
    response = client.get("/transparency/")
    assert response.status_code == 200
    page = response.content.decode()
    ledger = ChainHeadStatement.objects.get(chain="ledger")
    assert ledger.head_hash in page and ledger.signature in page
    assert heads.public_key_hex() in page
    assert heads.statement_message(ledger).decode() in page.replace("&quot;", '"')
