"""The live-alert socket: who gets in, what each person receives, and replay after a reconnect."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.utils import timezone

from accounts.models import ApiKey
from accounts.services import api_key_create
from sightings.live import consumers
from sightings.live.alerts import sighting_update_announce, sightings_announce, sightings_assign_positions
from sightings.models import WantedOrder
from tests.sightings.live.helpers import (
    async_store_and_announce,
    frames,
    make_hit,
    make_order,
    open_session_socket,
    open_socket,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_caches():
    consumers._access_cache.clear()
    consumers._order_cache.clear()
    yield
    consumers._access_cache.clear()
    consumers._order_cache.clear()


def run(coroutine_function):
    return async_to_sync(coroutine_function)()


def test_it_sends_an_officer_a_new_hit_over_their_session(officer, order, camera):
    async def scenario():
        socket, connected, _ = await open_session_socket(officer)
        assert connected
        sighting = await async_store_and_announce(order, camera)
        [frame] = await frames(socket)
        await socket.disconnect()
        return sighting, frame

    sighting, frame = run(scenario)
    assert frame["type"] == "sighting"
    assert frame["id"] == str(sighting.id)
    assert frame["seq"] == sighting.stream_position
    assert frame["plate"] == "12가3456"
    assert frame["wanted"] == "12가3456"
    assert frame["camera"] == camera.code
    assert frame["municipality"] == "11380"
    assert frame["verification"] == "unverified"


def test_it_lets_a_machine_client_in_with_a_personal_alerts_key(officer, order, camera):
    _, raw_key = api_key_create(user=officer, name="112 room system", scope=ApiKey.Scope.ALERTS)

    async def scenario():
        # No Origin and no cookie: a machine client, not a browser.
        socket, connected, _ = await open_socket([(b"authorization", f"Bearer {raw_key}".encode())])
        assert connected
        sighting = await async_store_and_announce(order, camera)
        received = await frames(socket)
        await socket.disconnect()
        return sighting, received

    sighting, received = run(scenario)
    assert [frame["id"] for frame in received] == [str(sighting.id)]


def test_it_refuses_a_wrong_or_unscoped_key(officer, municipality):
    _, reads_key = api_key_create(user=officer, name="wrong scope", scope=ApiKey.Scope.API)
    _, integration_key = api_key_create(municipality=municipality, name="centre platform")

    async def scenario():
        outcomes = []
        for raw in ("wass_nope.nope", reads_key, integration_key):
            _socket, connected, _ = await open_socket([(b"authorization", f"Bearer {raw}".encode())])
            outcomes.append(connected)
        return outcomes

    assert run(scenario) == [False, False, False]


def test_it_refuses_anonymous_sockets(db):
    async def scenario():
        socket, connected, _ = await open_socket([(b"origin", b"http://127.0.0.1")])
        return connected

    assert run(scenario) is False


def test_it_refuses_auditors(auditor):
    async def scenario():
        socket, connected, _ = await open_session_socket(auditor)
        return connected

    assert run(scenario) is False


def test_it_refuses_a_session_socket_opened_from_another_site(officer):
    async def scenario():
        socket, connected, _ = await open_session_socket(officer, origin=b"https://evil.example")
        return connected

    assert run(scenario) is False


def test_operators_receive_only_hits_of_their_own_municipality(officer, operator, order, camera, other_camera):
    async def scenario():
        socket, connected, _ = await open_session_socket(operator)
        assert connected
        elsewhere = [await async_store_and_announce(order, other_camera) for _ in range(3)]
        own = await async_store_and_announce(order, camera)
        elsewhere.append(await async_store_and_announce(order, other_camera))
        received = await frames(socket)
        await socket.disconnect()
        return own, received

    own, received = run(scenario)
    assert [frame["id"] for frame in received] == [str(own.id)]
    assert {frame["municipality"] for frame in received} == {"11380"}


def test_officers_get_the_national_feed(officer, other_officer, order, camera, other_camera):
    async def scenario():
        socket, connected, _ = await open_session_socket(other_officer)
        assert connected
        first = await async_store_and_announce(order, camera)
        second = await async_store_and_announce(order, other_camera)
        received = await frames(socket)
        await socket.disconnect()
        return [str(first.id), str(second.id)], received

    expected, received = run(scenario)
    assert [frame["id"] for frame in received] == expected


def test_it_stops_sending_hits_of_an_order_that_is_no_longer_active(officer, order, camera):
    def cancel():
        WantedOrder.objects.filter(pk=order.pk).update(status=WantedOrder.Status.CANCELLED)

    def store_after_cancel():
        # The hit was matched just before the cancellation and is announced just after it.
        sighting = make_hit(order, camera)
        cancel()
        sightings_announce([sighting.id])

    async def scenario():
        socket, connected, _ = await open_session_socket(officer)
        assert connected
        await database_sync_to_async(store_after_cancel)()
        received = await frames(socket)
        await socket.disconnect()
        return received

    assert run(scenario) == []


def test_it_closes_the_socket_of_a_person_deactivated_meanwhile_at_once(officer, order, camera):
    async def scenario():
        socket, connected, _ = await open_session_socket(officer)
        assert connected
        officer.is_active = False
        await database_sync_to_async(officer.save)()
        output = await socket.receive_output(timeout=1)
        return output

    assert run(scenario) == {"type": "websocket.close", "code": consumers.CLOSE_FORBIDDEN}


def test_sockets_give_their_database_connections_back(settings, officer):
    """More sockets than the pool holds connections, each on an event loop (and thread pool) of its own, as
    reconnecting browsers bring: each connects at once, because none keeps a connection after its reads."""

    async def connect_and_leave():
        socket, connected, _ = await open_session_socket(officer)
        await socket.disconnect()
        return connected

    assert all(run(connect_and_leave) for _ in range(max(settings.DB_POOL_MAX_SIZE, 1) + 2))


def test_resume_replays_what_was_missed_in_order_without_duplicates(officer, order, camera, other_camera):
    async def scenario():
        socket, connected, _ = await open_session_socket(officer)
        assert connected
        seen = await async_store_and_announce(order, camera)
        await frames(socket)
        await socket.disconnect()
        # Three hits while the officer's socket is down.
        missed = [await async_store_and_announce(order, cam) for cam in (camera, other_camera, camera)]
        socket, connected, _ = await open_session_socket(officer)
        assert connected
        await socket.send_json_to({"type": "resume", "after": str(seen.id)})
        replay = await frames(socket)
        live = await async_store_and_announce(order, other_camera)
        later = await frames(socket)
        # Resuming again from the same point adds nothing already delivered on this socket.
        await socket.send_json_to({"type": "resume", "after": str(live.id)})
        again = await frames(socket)
        await socket.disconnect()
        return missed, replay, live, later, again

    missed, replay, live, later, again = run(scenario)
    assert [frame["id"] for frame in replay[:-1]] == [str(s.id) for s in missed]
    assert [frame["seq"] for frame in replay[:-1]] == sorted(frame["seq"] for frame in replay[:-1])
    assert replay[-1] == {
        "type": "resumed",
        "after": replay[-1]["after"],
        "replayed": 3,
        "seq": missed[-1].stream_position,
    }
    assert [frame["id"] for frame in later] == [str(live.id)]
    assert [frame["type"] for frame in again] == ["resumed"]


def test_resume_from_an_unknown_hit_says_so(officer):
    async def scenario():
        socket, connected, _ = await open_session_socket(officer)
        await socket.send_json_to({"type": "resume", "after": "not-a-uuid"})
        received = await frames(socket)
        await socket.disconnect()
        return received

    [frame] = run(scenario)
    assert frame["type"] == "error"
    assert "resume.after" in frame["detail"]


def test_it_fills_the_gap_when_hits_are_announced_out_of_order(officer, order, camera):
    def commit_two_announce_second():
        first, second = make_hit(order, camera), make_hit(order, camera)
        sightings_assign_positions(sighting_ids=[first.id])
        sightings_assign_positions(sighting_ids=[second.id])
        # The worker holding the first hit is slow: the second is announced before it.
        sightings_announce([second.id])
        return first, second

    async def scenario():
        socket, connected, _ = await open_session_socket(officer)
        first, second = await database_sync_to_async(commit_two_announce_second)()
        # The gap is filled from the database on another thread: give a busy machine a second for it.
        early = await frames(socket, wait=1.0)
        await database_sync_to_async(sightings_announce)([first.id])
        late = await frames(socket, wait=1.0)
        await socket.disconnect()
        return first, second, early, late

    first, second, early, late = run(scenario)
    assert [frame["id"] for frame in early] == [str(first.id), str(second.id)]
    assert late == []


def test_verification_reaches_other_dashboards_live(officer, other_officer, operator, order, camera):
    def confirm(sighting):
        sighting.verification = "confirmed"
        sighting.verified_by = officer
        sighting.verified_at = timezone.now()
        sighting.save(update_fields=["verification", "verified_by", "verified_at"])
        sighting_update_announce(sighting.id)

    async def scenario():
        officer_socket, _, _ = await open_session_socket(other_officer)
        operator_socket, _, _ = await open_session_socket(operator)
        sighting = await async_store_and_announce(order, camera)
        await frames(officer_socket)
        await frames(operator_socket)
        await database_sync_to_async(confirm)(sighting)
        seen_by_officer = await frames(officer_socket)
        seen_by_operator = await frames(operator_socket)
        await officer_socket.disconnect()
        await operator_socket.disconnect()
        return seen_by_officer, seen_by_operator

    seen_by_officer, seen_by_operator = run(scenario)
    for received in (seen_by_officer, seen_by_operator):
        [frame] = received
        assert frame["type"] == "sighting.update"
        assert frame["verification"] == "confirmed"
        assert frame["verified_by"] == "officer"


def test_footage_updates_are_relayed_to_the_person(officer):
    from sightings.live.alerts import send_to_group, user_group

    async def scenario():
        socket, _, _ = await open_session_socket(officer)
        await database_sync_to_async(send_to_group)(
            user_group(officer.pk), "footage.update", {"type": "footage.update", "id": "x", "status": "approved"}
        )
        received = await frames(socket)
        await socket.disconnect()
        return received

    assert run(scenario) == [{"type": "footage.update", "id": "x", "status": "approved"}]


def test_the_stream_positions_follow_commit_order_without_holes(officer, order, camera):
    hits = [make_hit(order, camera) for _ in range(5)]
    sightings_assign_positions(sighting_ids=[h.id for h in hits[3:]])
    sightings_assign_positions(sighting_ids=[h.id for h in hits[:3]])
    sightings_assign_positions(sighting_ids=[h.id for h in hits])  # again: positions never change
    positions = [h.__class__.objects.get(pk=h.pk).stream_position for h in hits]
    assert positions == [3, 4, 5, 1, 2]


def test_a_hit_carries_its_priority_and_the_plate_compared_character_by_character(officer, camera):
    urgent = make_order(officer, priority="urgent")

    async def scenario():
        socket, _, _ = await open_session_socket(officer)
        await async_store_and_announce(urgent, camera, plate="34나5876", match_kind="misread")
        received = await frames(socket)
        await socket.disconnect()
        return received

    [frame] = run(scenario)
    assert frame["priority"] == "urgent"
    assert frame["match_kind"] == "misread"
    assert [c["differs"] for c in frame["comparison"]] == [False, False, False, False, True, False, True]
    assert frame["comparison"][4] == {"read": "8", "wanted": "6", "differs": True}


def test_hits_stored_but_never_announced_join_the_stream_late_not_never(officer, order, camera):
    import datetime as dt

    from sightings.live.alerts import sightings_announce_pending
    from sightings.models import Sighting

    orphan = make_hit(order, camera)  # its worker died between the commit and the announcement
    Sighting.objects.filter(pk=orphan.pk).update(received_at=timezone.now() - dt.timedelta(seconds=30))
    fresh = make_hit(order, camera)  # still within the announcing worker's moment: left alone

    assert sightings_announce_pending() == 1
    orphan.refresh_from_db()
    fresh.refresh_from_db()
    assert orphan.stream_position is not None
    assert fresh.stream_position is None
