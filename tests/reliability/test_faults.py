"""Faults on the hot path: no hit is lost, none is stored or delivered twice (docs/OPERATIONS.md, section 3).

Each test runs the real processes (tests/reliability/harness.py): a private redis-server, daphne and
prefork Celery workers on the test database. Reads go in over HTTP as a centre's platform sends them
(a 503 is sent again, unchanged); hits come out on /ws/alerts/ to a machine client that reconnects and
resumes after the last hit it saw. In every case each wanted read is stored exactly once and reaches the
reconnected client exactly once.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from django.db import connection

from sightings.models import Sighting
from tests.reliability.harness import STACK_APPLICATION_NAME, AlertListener, Poster, Stack, wait_until
from tests.sightings.reads.helpers import JPEG_B64, a_read

pytestmark = [pytest.mark.services, pytest.mark.timeout(180)]

WANTED = "12가3456"


def a_batch(size: int, hits: int) -> list[dict]:
    """`size` reads of which `hits` carry the wanted plate (some with a photo), the rest plates nobody wants."""
    reads = [a_read(plate=WANTED, plate_image=JPEG_B64 if i % 2 else None) for i in range(hits)]
    for read in reads:
        if read["plate_image"] is None:
            del read["plate_image"]
    reads += [a_read(plate=f"{10 + i % 80}나{1000 + i:04d}") for i in range(size - hits)]
    return reads


def wanted_ids(batch: list[dict]) -> set[str]:
    return {read["read_id"] for read in batch if read["plate"] == WANTED}


def stored_read_ids() -> list[str]:
    return [str(read_id) for read_id in Sighting.objects.values_list("read_id", flat=True)]


def a_batch_is_open_in_the_database() -> bool:
    """True while another session sits inside a transaction: the worker holding a batch open."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state = 'idle in transaction'"
        )
        return cursor.fetchone()[0] > 0


def warm_up(poster: Poster, listener: AlertListener) -> set[str]:
    """One hit before the fault, so the client has a last hit to resume after whenever it reconnects."""
    batch = a_batch(1, hits=1)
    assert poster.post(batch)["accepted"] == 1
    wait_until(lambda: len(listener.ids()) == 1, timeout=30, what="the first hit on the socket")
    return wanted_ids(batch)


def assert_stored_and_delivered_exactly_once(expected: set[str], listener: AlertListener, stack: Stack) -> None:
    wait_until(
        lambda: (
            set(stored_read_ids()) >= expected and not Sighting.objects.filter(stream_position__isnull=True).exists()
        ),
        timeout=60,
        what=f"{len(expected)} hits stored and put in the alert stream\n{stack.logs()}",
    )
    stored = Counter(stored_read_ids())
    assert set(stored) == expected
    assert max(stored.values()) == 1, "a hit was stored twice"

    # The client goes away and comes back once more, resuming after the last hit it saw.
    listener.drop()
    sighting_ids = {str(pk) for pk in Sighting.objects.values_list("id", flat=True)}
    wait_until(
        lambda: set(listener.ids()) >= sighting_ids,
        timeout=30,
        what=f"every hit delivered to the client ({len(set(listener.ids()))} of {len(sighting_ids)})",
    )
    delivered = Counter(listener.ids())
    assert set(delivered) == sighting_ids
    assert max(delivered.values()) == 1, f"delivered twice: {[i for i, n in delivered.items() if n > 1]}"
    assert listener.protocol_errors == []


def test_a_worker_killed_in_the_middle_of_a_batch_has_the_batch_redone_by_another(world, stack, listeners):
    running = stack(BATCH_HOLD_MS="2000")
    listener = listeners(running.ws_url, world.alerts_key)
    poster = Poster(running.url, world.integration_key)
    before = warm_up(poster, listener)

    first = a_batch(200, hits=30)
    assert poster.post(first)["accepted"] == 200
    wait_until(a_batch_is_open_in_the_database, timeout=30, what="the worker to hold the batch open")
    running.workers[0].kill()
    # The half-done batch was rolled back with the dead session; nothing of it is visible.
    wait_until(lambda: not a_batch_is_open_in_the_database(), timeout=10, what="the killed session to end")
    assert set(stored_read_ids()) == before

    # Reads keep coming while no worker runs; they wait in the queue.
    second = a_batch(100, hits=10)
    assert poster.post(second)["accepted"] == 100
    # A retry of the first batch by the platform is recognised and not queued again.
    assert poster.post(first)["duplicates"] == 200

    running.start_worker()
    assert_stored_and_delivered_exactly_once(before | wanted_ids(first) | wanted_ids(second), listener, running)


def test_a_redis_restart_during_ingest_loses_and_duplicates_nothing(world, stack, listeners):
    running = stack()
    listener = listeners(running.ws_url, world.alerts_key)
    poster = Poster(running.url, world.integration_key)
    before = warm_up(poster, listener)
    batches = [a_batch(50, hits=5) for _ in range(12)]

    for number, batch in enumerate(batches):
        if number == 4:
            # Redis dies (no clean shutdown) and comes back two seconds later from its append-only file.
            running.redis.kill()
            restart = threading.Timer(2.0, running.start_redis)
            restart.start()
        body = poster.post(batch)
        assert body["accepted"] + body["duplicates"] == 50
        assert body["rejected"] == []
    restart.join()

    # The posts made during the outage were refused cleanly (503 with Retry-After), never with a 500.
    assert poster.outcomes[503] >= 1, poster.outcomes
    assert set(poster.outcomes) <= {202, 503, "URLError", "ConnectionResetError", "RemoteDisconnected"}
    expected = before.union(*(wanted_ids(batch) for batch in batches))
    assert_stored_and_delivered_exactly_once(expected, listener, running)


def test_a_dropped_database_connection_mid_batch_is_retried_and_stores_each_hit_once(world, stack, listeners):
    running = stack(BATCH_HOLD_MS="1500")
    listener = listeners(running.ws_url, world.alerts_key)
    poster = Poster(running.url, world.integration_key)
    before = warm_up(poster, listener)

    first = a_batch(200, hits=25)
    assert poster.post(first)["accepted"] == 200
    wait_until(a_batch_is_open_in_the_database, timeout=30, what="the worker to hold the batch open")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [STACK_APPLICATION_NAME],
        )
        assert cursor.fetchone()[0] >= 1

    # The web process lost its connection too: the next post is answered (or retried), never a 500.
    second = a_batch(50, hits=5)
    assert poster.post(second)["accepted"] == 50

    assert_stored_and_delivered_exactly_once(before | wanted_ids(first) | wanted_ids(second), listener, running)
    assert "Retry in" in running.workers[0].output(), "the batch was retried after the connection dropped"


def test_a_client_reconnecting_during_a_burst_gets_every_hit_once(world, stack, listeners):
    running = stack()
    listener = listeners(running.ws_url, world.alerts_key)
    poster = Poster(running.url, world.integration_key)
    before = warm_up(poster, listener)
    batches = [a_batch(40, hits=8) for _ in range(15)]

    def burst() -> None:
        for batch in batches:
            poster.post(batch)

    sender = threading.Thread(target=burst)
    sender.start()
    deadline = time.monotonic() + 60
    drops = 0
    # Cut the client off three times while hits keep arriving, each time once it has seen more of them.
    while sender.is_alive() and drops < 3 and time.monotonic() < deadline:
        seen = len(listener.ids())
        wait_until(lambda seen=seen: len(listener.ids()) > seen + 5 or not sender.is_alive(), timeout=30, what="hits")
        listener.drop()
        drops += 1
    sender.join(60)
    assert drops >= 1 and listener.connections >= 2

    expected = before.union(*(wanted_ids(batch) for batch in batches))
    assert_stored_and_delivered_exactly_once(expected, listener, running)
