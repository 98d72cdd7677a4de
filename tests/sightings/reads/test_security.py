"""The reads API's security: a rate limit per integration key, the key's networks, and every use logged."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.throttles import ApiKeyRateThrottle
from audit.models import AccessLogEntry, AccessTally
from audit.tallies import tallies_flush
from tests.factories import integration_key_make
from tests.sightings.reads.helpers import a_read

URL = "/api/v1/reads/"


def post(key: str, **extra):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client.post(URL, data=json.dumps({"reads": [a_read()]}), content_type="application/json", **extra)


@pytest.fixture
def two_a_minute(monkeypatch):
    cache.clear()
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"reads": "2/min"})
    yield
    cache.clear()


def test_it_answers_429_with_retry_after_over_the_keys_rate(two_a_minute, municipality, camera):
    key = integration_key_make(municipality=municipality)
    assert post(key).status_code == 202
    assert post(key).status_code == 202
    response = post(key)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["detail"]  # the normalised error shape, in the request's language


def test_the_rate_is_counted_per_key(two_a_minute, municipality, other_municipality, camera, other_camera):
    busy, quiet = integration_key_make(municipality=municipality), integration_key_make(municipality=other_municipality)
    for _ in range(2):
        post(busy)
    assert post(busy).status_code == 429
    assert post(quiet).status_code == 202


def test_an_integration_key_is_refused_outside_its_networks(settings, municipality, camera):
    settings.ALLOWED_NETWORKS = {**settings.ALLOWED_NETWORKS, "keys": ["10.30.0.0/16"]}
    key = integration_key_make(municipality=municipality)
    response = post(key, REMOTE_ADDR="10.20.0.5")
    assert response.status_code == 403
    assert "network" in response.json()["detail"]
    assert AccessLogEntry.objects.filter(action="key-network", outcome="denied").exists()
    assert post(key, REMOTE_ADDR="10.30.0.5").status_code == 202


def test_each_use_of_an_integration_key_is_counted_for_the_audit_trail(municipality, camera):
    key = integration_key_make(municipality=municipality)
    post(key)
    post(key)
    assert not AccessLogEntry.objects.filter(action="key").exists()  # no chained row per POST
    tallies_flush(everything=True)
    tally = AccessTally.objects.get(kind="key-use")
    assert tally.count == 2 and tally.actor_label.startswith("key:") and tally.municipality_id == municipality.id


def test_a_revoked_key_gets_401_with_the_api_error_shape(municipality, camera):
    from django.utils import timezone

    from accounts.models import ApiKey

    key = integration_key_make(municipality=municipality)
    ApiKey.objects.update(revoked_at=timezone.now())
    response = post(key)
    assert response.status_code == 401
    assert response.json() == {"detail": "The API key is not valid, has expired or has been revoked.", "errors": {}}


def test_a_refused_key_is_let_in_once_its_window_has_slid_on(two_a_minute, monkeypatch, municipality, camera):
    now = [60.0 * 1_000_000]  # the start of a one-minute window

    monkeypatch.setattr(ApiKeyRateThrottle, "timer", staticmethod(lambda: now[0]))
    key = integration_key_make(municipality=municipality)
    assert [post(key).status_code for _ in range(3)] == [202, 202, 429]
    now[0] += 30  # both earlier requests are still inside the last minute
    assert post(key).status_code == 429
    now[0] += 60  # half-way into the next window: the two weigh as one
    assert [post(key).status_code for _ in range(2)] == [202, 429]


@pytest.mark.parametrize(
    ("previous", "current", "elapsed", "expected"),
    [
        (0, 2, 0.0, 60.0),  # both requests in this window: not before the next one has begun, and 0 of them left
        (0, 2, 45.0, 15.0),
        (2, 1, 0.0, 30.0),  # the earlier window's two weigh 1 after half a minute: 1 + 1 < 2 just after that
        (2, 0, 10.0, 0.0),
    ],
)
def test_retry_after_is_when_the_estimate_falls_below_the_limit(previous, current, elapsed, expected):
    from accounts.throttles import seconds_until_allowed

    waited = seconds_until_allowed(limit=2, duration=60, elapsed=elapsed, previous=previous, current=current)
    assert waited == pytest.approx(expected)
