"""End to end on the real services: reads posted over HTTP to daphne, matched by a Celery worker via Redis."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from celery.contrib.testing.worker import start_worker

from sightings.models import Sighting
from tests.factories import integration_key_make
from tests.sightings.reads.helpers import JPEG_B64, a_read
from wassweb.celery import app as celery_app

pytestmark = pytest.mark.services


def post_reads(url: str, key: str, reads: list[dict]) -> dict:
    request = urllib.request.Request(  # noqa: S310 - the test's own server
        f"{url}/api/v1/reads/",
        data=json.dumps({"reads": reads}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - the test's own server
        assert response.status == 202
        return json.loads(response.read())


def test_a_read_posted_over_http_becomes_a_sighting_made_by_a_celery_worker(
    tasks_through_the_broker, live_daphne, municipality, camera, order
):
    key = integration_key_make(municipality=municipality)
    hit = a_read(plate="12가3456", plate_image=JPEG_B64)
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        body = post_reads(live_daphne.url, key, [a_read(), hit, a_read(plate="345나6789")])
        assert body == {"accepted": 3, "duplicates": 0, "rejected": []}
        deadline = time.monotonic() + 20
        while not Sighting.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        # The same batch again is recognised across processes through Redis.
        assert post_reads(live_daphne.url, key, [hit])["duplicates"] == 1
    sighting = Sighting.objects.get()
    assert (str(sighting.read_id), sighting.order_id, sighting.plate) == (hit["read_id"], order.id, "12가3456")
    assert sighting.plate_image.name
