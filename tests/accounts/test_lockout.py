"""Repeated failed sign-ins lock the account and the address out for a while, and the lock-out is logged."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from audit.models import AccessLogEntry
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def three_strikes(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_ADDRESS_FAILURE_LIMIT = 6
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)


def attempt(client, username: str, password: str, address: str = "10.0.0.5"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_it_locks_a_username_out_from_the_address_that_failed(client, officer):
    for _ in range(3):
        attempt(client, "officer", "wrong-password", address="10.0.0.5")
    response = attempt(client, "officer", PASSWORD, address="10.0.0.5")
    assert response.status_code == 429
    assert 'data-locked-out="true"' in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessLogEntry.objects.filter(action="lockout", outcome="denied").exists()


def test_failures_from_one_address_do_not_lock_the_person_out_elsewhere(client, officer, settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_ADDRESS_FAILURE_LIMIT = 10
    for _ in range(5):
        attempt(client, "officer", "wrong-password", address="10.0.0.5")
    assert attempt(client, "officer", PASSWORD, address="10.0.0.5").status_code == 429
    # The real person, from their own desk, signs in.
    response = attempt(client, "officer", PASSWORD, address="10.0.0.6")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(officer.pk)


def test_it_locks_an_address_out_whatever_the_username_after_the_address_limit(client, officer, other_officer):
    for name in ("alice", "bob", "carol", "dave", "erin"):
        attempt(client, name, "wrong-password", address="10.9.9.9")
    # Five failures for five names: under the address's limit of six, so the office still works, and a
    # sign-in there does not wipe the address's count of guesses at other names.
    assert attempt(client, "officer-elsewhere", PASSWORD, address="10.9.9.9").status_code == 302
    client.logout()
    attempt(client, "frank", "wrong-password", address="10.9.9.9")
    assert attempt(client, "officer", PASSWORD, address="10.9.9.9").status_code == 429
    # The same person from another address, never failed before, is not locked by that address.
    response = attempt(client, "officer", PASSWORD, address="10.1.1.1")
    assert response.status_code == 302


def test_the_lock_out_expires_after_the_cool_off(client, officer):
    for _ in range(3):
        attempt(client, "officer", "wrong-password")
    assert attempt(client, "officer", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    response = attempt(client, "officer", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(officer.pk)


def test_fewer_failures_than_the_limit_do_not_lock(client, officer):
    for _ in range(2):
        attempt(client, "officer", "wrong-password")
    assert attempt(client, "officer", PASSWORD).status_code == 302


def test_every_failed_sign_in_is_logged(client, officer):
    attempt(client, "officer", "wrong-password")
    entry = AccessLogEntry.objects.get(action="login", outcome="denied")
    assert entry.object_id == "officer"
