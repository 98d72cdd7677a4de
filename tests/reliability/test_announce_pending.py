"""Hits stored by a worker that died before announcing them still reach the alert stream (and so every replay)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from sightings.models import Sighting
from sightings.tasks import alerts_announce_pending
from tests.sightings.footage.helpers import make_sighting


def test_it_puts_stored_but_unannounced_hits_in_the_alert_stream(order, camera):
    orphan = make_sighting(order, camera, photos=False)
    Sighting.objects.filter(id=orphan.id).update(received_at=timezone.now() - dt.timedelta(seconds=30))
    assert Sighting.objects.get(id=orphan.id).stream_position is None

    assert alerts_announce_pending.delay().get() == 1

    assert Sighting.objects.get(id=orphan.id).stream_position is not None
    # Announced once: the next sweep finds nothing left to do.
    assert alerts_announce_pending.delay().get() == 0


def test_it_leaves_hits_their_worker_is_still_announcing(order, camera):
    fresh = make_sighting(order, camera, photos=False)

    assert alerts_announce_pending.delay().get() == 0
    assert Sighting.objects.get(id=fresh.id).stream_position is None


def test_it_runs_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["alerts-announce-pending"]
    assert entry["task"] == "sightings.alerts_announce_pending"
    assert entry["schedule"] <= 30
