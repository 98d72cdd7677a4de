"""Live alerts across processes through the real Redis channel layer (CI)."""

from __future__ import annotations

import asyncio
import json

import pytest
import redis
import websockets
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from accounts.models import ApiKey
from accounts.services import api_key_create
from sightings.live import alerts
from tests.sightings.live.helpers import async_store_and_announce, frames, open_session_socket
from wassweb.redis_client import redis_client

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_hit_stored_in_one_process_reaches_sockets_served_by_another(
    live_daphne, officer, other_officer, order, camera
):
    assert type(get_channel_layer()).__name__ == "RedisChannelLayer"
    _, raw_key = api_key_create(user=other_officer, name="112 room system", scope=ApiKey.Scope.ALERTS)

    async def scenario():
        # One socket served by this test process, one by the daphne child process.
        local, connected, _ = await open_session_socket(officer)
        assert connected
        async with websockets.connect(
            f"{live_daphne.ws_url}/ws/alerts/", additional_headers={"Authorization": f"Bearer {raw_key}"}
        ) as remote:
            # The remote socket is listening once it answers a ping.
            await remote.send(json.dumps({"type": "ping"}))
            assert json.loads(await asyncio.wait_for(remote.recv(), 5)) == {"type": "pong"}
            sighting = await async_store_and_announce(order, camera)
            remote_frame = json.loads(await asyncio.wait_for(remote.recv(), 5))
        local_frames = await frames(local, wait=1.0)
        await local.disconnect()
        return sighting, remote_frame, local_frames

    sighting, remote_frame, local_frames = async_to_sync(scenario)()
    assert remote_frame["id"] == str(sighting.id)
    assert [frame["id"] for frame in local_frames] == [str(sighting.id)]


def test_announcers_take_turns_through_a_lock_in_redis_and_free_it():
    client = redis_client(settings.REDIS_URL)
    with alerts._announcing_in_stream_order():
        assert client.exists(alerts.ANNOUNCE_LOCK_KEY)
        # Another worker process (another client) waits for it.
        other = redis.Redis.from_url(settings.REDIS_URL).lock(alerts.ANNOUNCE_LOCK_KEY, blocking_timeout=0.2)
        assert not other.acquire()
    assert not client.exists(alerts.ANNOUNCE_LOCK_KEY)


def test_an_announcement_goes_out_when_redis_cannot_lock(settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    announced = []
    with alerts._announcing_in_stream_order():
        announced.append(True)
    assert announced == [True]
    assert "without the order lock" in caplog.text
