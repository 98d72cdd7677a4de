"""Key use and repeated refusals: one access-log row at most per source and interval, the rest one counted tally."""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.throttles import ApiKeyRateThrottle
from audit import tallies
from audit.ledger import verify_stored
from audit.models import AccessLogEntry, AccessTally
from tests.factories import integration_key_make
from tests.sightings.reads.helpers import a_read

URL = "/api/v1/reads/"
# One interval that holds the whole test, whenever it runs: its boundaries are 2001 and 2033.
LONG_INTERVAL = 10**9


@pytest.fixture(autouse=True)
def one_interval(settings):
    settings.ACCESS_TALLY_INTERVAL_SECONDS = LONG_INTERVAL


def interval_closed() -> int:
    """Seals as if the test's interval had ended; returns the rows written."""
    return tallies.tallies_flush(now=(time.time() // LONG_INTERVAL + 1) * LONG_INTERVAL + 60)


def post(key: str, **extra):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client.post(URL, data=json.dumps({"reads": [a_read()]}), content_type="application/json", **extra)


def test_unknown_keys_write_one_entry_and_one_tally(db):
    for number in range(100):
        response = post(f"wass_{number:08d}_not-a-real-secret")
        assert response.status_code == 401
    assert AccessLogEntry.objects.filter(action="key", outcome="denied").count() == 1
    assert not AccessTally.objects.exists()  # nothing sealed while the interval is open
    assert interval_closed() == 1
    tally = AccessTally.objects.get()
    assert (tally.kind, tally.action, tally.outcome, tally.count) == ("refusal", "key", "denied", 99)
    assert tally.actor_label == "anonymous" and tally.addresses == ["127.0.0.1"]
    assert tally.first_at <= tally.last_at
    assert AccessLogEntry.objects.count() == 1


def test_refusals_from_another_address_are_another_source(db):
    for address in ("10.1.1.1", "10.1.1.1", "10.2.2.2", "10.2.2.2", "10.2.2.2"):
        post("wass_00000000_nothing", REMOTE_ADDR=address)
    assert set(AccessLogEntry.objects.values_list("ip", flat=True)) == {"10.1.1.1", "10.2.2.2"}
    interval_closed()
    assert sorted(AccessTally.objects.values_list("addresses", "count")) == [(["10.1.1.1"], 1), (["10.2.2.2"], 2)]


@pytest.fixture
def one_a_minute(monkeypatch):
    cache.clear()
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"reads": "1/min"})
    yield
    cache.clear()


def test_throttled_requests_write_one_entry_and_one_tally(one_a_minute, municipality, camera):
    key = integration_key_make(municipality=municipality)
    assert post(key).status_code == 202
    for _ in range(26):
        assert post(key).status_code == 429
    throttled = AccessLogEntry.objects.get(action="throttled")
    assert throttled.outcome == "denied" and throttled.actor_label.startswith("key:")
    interval_closed()
    refusals = AccessTally.objects.get(kind="refusal")
    assert (refusals.action, refusals.count, refusals.municipality_id) == ("throttled", 25, municipality.id)


def test_key_use_is_one_tally_per_key_and_no_entry_per_post(municipality, other_municipality, camera, other_camera):
    busy, quiet = integration_key_make(municipality=municipality), integration_key_make(municipality=other_municipality)
    for _ in range(12):
        assert post(busy, REMOTE_ADDR="10.30.0.1").status_code == 202
    assert post(busy, REMOTE_ADDR="10.30.0.2").status_code == 202
    assert post(quiet, REMOTE_ADDR="10.30.9.9").status_code == 202
    assert not AccessLogEntry.objects.filter(action="key").exists()
    assert interval_closed() == 2
    by_municipality = {tally.municipality_id: tally for tally in AccessTally.objects.filter(kind="key-use")}
    assert by_municipality[municipality.id].count == 13
    assert by_municipality[municipality.id].addresses == ["10.30.0.1", "10.30.0.2"]
    assert by_municipality[other_municipality.id].count == 1
    assert by_municipality[municipality.id].api_key.prefix in by_municipality[municipality.id].actor_label


def test_the_tally_chain_verifies(db, municipality, camera):
    key = integration_key_make(municipality=municipality)
    for _ in range(3):
        post(key)
        post("wass_00000000_nothing")
    interval_closed()
    post(key)
    interval_closed()
    verdict = verify_stored(AccessTally)
    assert verdict.ok and verdict.entries == 3


def test_a_second_flush_seals_nothing_twice(db, municipality, camera):
    post(integration_key_make(municipality=municipality))
    assert interval_closed() == 1
    assert interval_closed() == 0
    assert AccessTally.objects.get().count == 1


def test_an_open_interval_is_not_sealed(db, municipality, camera):
    post(integration_key_make(municipality=municipality))
    assert tallies.tallies_flush() == 0
    assert not AccessTally.objects.exists()


def test_addresses_are_bounded(settings, municipality, camera):
    settings.ACCESS_TALLY_MAX_ADDRESSES = 3
    key = integration_key_make(municipality=municipality)
    for host in range(6):
        post(key, REMOTE_ADDR=f"10.30.0.{host + 1}")
    interval_closed()
    tally = AccessTally.objects.get()
    assert tally.count == 6 and len(tally.addresses) == 3


def test_the_beat_task_seals_closed_intervals(settings, municipality, camera):
    from audit.tasks import tallies_flush_task

    settings.ACCESS_TALLY_INTERVAL_SECONDS = 1
    settings.ACCESS_TALLY_GRACE_SECONDS = 0
    key = integration_key_make(municipality=municipality)
    tallies.tally_count(
        source=tallies.Source(kind="key-use", action="key", outcome="allowed", actor_label="key:x"),
        address="10.30.0.1",
        at=time.time() - 10,
    )
    assert post(key).status_code == 202
    # The past interval is sealed by the task; the one the POST fell into may still be open.
    tallies_flush_task.delay()
    assert AccessTally.objects.filter(actor_label="key:x", count=1).exists()
    assert verify_stored(AccessTally).ok
