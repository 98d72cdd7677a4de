"""Accounts announces security events; audit's receivers write them, in the sender's transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from accounts.security import access_event_record
from accounts.signals import access_event, key_used
from audit.models import AccessLogEntry


def test_audit_records_the_security_events_accounts_sends(rf, officer):
    request = rf.get("/keys/", REMOTE_ADDR="10.1.2.3")
    access_event.send(sender=None, request=request, action="key-revoke", allowed=True, user=officer, obj=officer)
    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.outcome, entry.actor_label, entry.ip) == (
        "key-revoke",
        "allowed",
        officer.username,
        "10.1.2.3",
    )


def test_an_event_is_written_before_the_sender_goes_on_and_rolls_back_with_it(rf, officer):
    request = rf.get("/keys/", REMOTE_ADDR="10.1.2.3")
    with pytest.raises(RuntimeError), transaction.atomic():
        access_event_record(request=request, action="logout-everywhere", allowed=True, user=officer)
        assert AccessLogEntry.objects.filter(action="logout-everywhere").count() == 1
        raise RuntimeError("the caller failed")
    assert not AccessLogEntry.objects.exists()


def test_every_event_accounts_sends_has_audits_receiver():
    assert access_event.has_listeners() and key_used.has_listeners()
