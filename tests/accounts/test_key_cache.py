"""Integration keys and their municipality's cameras are remembered for KEY_CACHE_SECONDS: no SQL per POST."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiKey
from accounts.services import api_key_create, api_key_lookup, api_key_revoke
from sightings.models import Camera
from tests.factories import camera_make
from tests.sightings.reads.helpers import a_read

URL = "/api/v1/reads/"


class Clock:
    """Stands in for time.monotonic in wassweb.ttl_cache, so a test moves time on instead of sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch, settings) -> Clock:
    settings.KEY_CACHE_SECONDS = 5
    clock = Clock()
    monkeypatch.setattr("wassweb.ttl_cache.monotonic", clock)
    return clock


@pytest.fixture
def queued():
    """The reads API's Celery task, replaced: these tests count the POST's own queries, not the matching's."""
    with mock.patch("sightings.reads.queue.reads_match_task") as task:
        yield task


def post(raw: str, *reads: dict):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client.post(URL, data=json.dumps({"reads": list(reads)}), content_type="application/json")


def test_an_integration_key_is_looked_up_once_within_the_cache_time(municipality, clock, django_assert_num_queries):
    api_key, raw = api_key_create(name="platform", municipality=municipality)
    api_key_lookup(raw)
    with django_assert_num_queries(0):
        found = api_key_lookup(raw)
    assert found.pk == api_key.pk


def test_a_remembered_key_still_needs_its_secret(municipality, clock):
    _, raw = api_key_create(name="platform", municipality=municipality)
    assert api_key_lookup(raw) is not None
    tampered = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    assert api_key_lookup(tampered) is None


def test_a_key_revoked_elsewhere_is_refused_once_the_cache_time_has_passed(municipality, camera, clock, queued):
    api_key, raw = api_key_create(name="platform", municipality=municipality)
    assert post(raw, a_read()).status_code == 202
    # Another process revokes it: this one still has it for at most KEY_CACHE_SECONDS.
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())
    clock.now += 4.9
    assert post(raw, a_read()).status_code == 202
    clock.now += 0.1
    response = post(raw, a_read())
    assert response.status_code == 401
    assert response.json()["detail"] == "The API key is not valid, has expired or has been revoked."


def test_a_key_revoked_in_this_process_is_refused_at_once(municipality, camera, clock, queued):
    api_key, raw = api_key_create(name="platform", municipality=municipality)
    assert post(raw, a_read()).status_code == 202
    api_key_revoke(api_key=ApiKey.objects.get(pk=api_key.pk))
    assert post(raw, a_read()).status_code == 401


def test_a_remembered_key_expires_on_time(municipality, clock):
    api_key, raw = api_key_create(name="platform", municipality=municipality)
    found = api_key_lookup(raw)
    # The expiry stored with the key is checked on every use, cached or not.
    found_again = api_key_lookup(raw)
    with mock.patch("accounts.services.timezone.now", return_value=api_key.expires_at):
        assert api_key_lookup(raw) is None
    assert found.pk == found_again.pk


def test_each_request_gets_its_own_copy_of_a_remembered_key(municipality, clock):
    _, raw = api_key_create(name="platform", municipality=municipality)
    api_key_lookup(raw)
    first = api_key_lookup(raw)
    first.name = "changed by one request"
    assert api_key_lookup(raw).name == "platform"


def test_a_persons_key_is_looked_up_every_time(officer, clock, django_assert_num_queries):
    _, raw = api_key_create(name="laptop", user=officer)
    api_key_lookup(raw)
    with django_assert_num_queries(1):
        api_key_lookup(raw)


def test_no_cache_time_looks_the_key_up_every_time(municipality, settings, django_assert_num_queries):
    settings.KEY_CACHE_SECONDS = 0
    _, raw = api_key_create(name="platform", municipality=municipality)
    api_key_lookup(raw)
    with django_assert_num_queries(1):
        api_key_lookup(raw)


def test_a_batch_from_a_known_key_runs_no_sql(municipality, camera, clock, queued, django_assert_num_queries):
    _, raw = api_key_create(name="platform", municipality=municipality)
    assert post(raw, a_read()).status_code == 202  # looks up the key and the cameras, notes the key's use
    with django_assert_num_queries(0):
        response = post(raw, a_read(), a_read(), a_read(camera_code="no-such-camera"))
    assert response.status_code == 202
    assert response.json()["accepted"] == 2
    assert queued.apply_async.call_count == 2


def test_a_camera_switched_off_is_refused_once_the_cache_time_has_passed(municipality, camera, clock, queued):
    _, raw = api_key_create(name="platform", municipality=municipality)
    assert post(raw, a_read()).json()["accepted"] == 1
    Camera.objects.filter(pk=camera.pk).update(reads_plates=False)
    clock.now += 5
    body = post(raw, a_read()).json()
    assert body["accepted"] == 0
    assert list(body["rejected"][0]["errors"]) == ["camera"]


def test_a_new_camera_is_taken_once_the_cache_time_has_passed(municipality, camera, clock, queued):
    _, raw = api_key_create(name="platform", municipality=municipality)
    assert post(raw, a_read()).json()["accepted"] == 1
    camera_make(municipality=municipality, code="11380-C002", name="New", lat=37.6, lon=126.9)
    clock.now += 5
    assert post(raw, a_read(camera_code="11380-C002")).json()["accepted"] == 1


def test_keys_used_less_often_than_the_cache_time_cost_one_query_per_cache_time(
    municipality, other_municipality, clock, django_assert_num_queries
):
    # 229 centres each posting every few seconds against a 5-second cache: a per-key cache missed every time.
    raws = [api_key_create(name=f"centre {n}", municipality=municipality)[1] for n in range(3)]
    raws.append(api_key_create(name="other centre", municipality=other_municipality)[1])
    for raw in raws:
        api_key_lookup(raw)
    clock.now += 6
    with django_assert_num_queries(1):  # every integration key, reloaded once
        for raw in raws:
            assert api_key_lookup(raw) is not None


def test_a_reads_post_writes_nothing_and_the_keys_last_use_comes_with_its_tally(
    municipality, camera, clock, queued, django_assert_num_queries
):
    from audit.tallies import tallies_flush

    api_key, raw = api_key_create(name="platform", municipality=municipality)
    api_key_lookup(raw, note_use=False)  # the copy of every key, loaded
    with django_assert_num_queries(1):  # the cameras' copy; no last-used write
        assert post(raw, a_read()).status_code == 202
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at is None
    tallies_flush(everything=True)
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at is not None
