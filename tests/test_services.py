"""Smoke tests against the real Redis (and PostgreSQL through the database fixture) in CI."""

import uuid

import pytest
from asgiref.sync import async_to_sync
from celery.contrib.testing.worker import start_worker
from channels.layers import get_channel_layer
from django.db import connection

from sightings.tasks import health_ping
from wassweb.celery import app as celery_app

pytestmark = pytest.mark.services


@pytest.mark.django_db
def test_the_database_is_postgresql():
    assert connection.vendor == "postgresql"


def test_a_celery_task_round_trips_through_redis(tasks_through_the_broker):
    assert celery_app.conf.broker_url.startswith("redis://")
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert health_ping.delay().get(timeout=20) == "pong"


def test_a_group_message_round_trips_through_the_redis_channel_layer():
    layer = get_channel_layer()
    assert type(layer).__name__ == "RedisChannelLayer"
    group = f"smoke.{uuid.uuid4().hex}"

    async def round_trip():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        await layer.group_send(group, {"type": "smoke.message", "text": "hello"})
        message = await layer.receive(channel)
        await layer.group_discard(group, channel)
        return message

    assert async_to_sync(round_trip)() == {"type": "smoke.message", "text": "hello"}
