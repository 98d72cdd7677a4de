"""The unit terminal's socket (/ws/units/): who gets in, the assignment arriving live, reports reaching the 112 room."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.models import ApiKey
from accounts.services import api_key_create, api_key_revoke
from sightings.hits.services import sighting_dispatch
from sightings.live import consumers as alert_consumers
from sightings.units.services import unit_status_change
from tests.sightings.live.helpers import frames, open_session_socket, open_socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_caches():
    alert_consumers._access_cache.clear()
    alert_consumers._order_cache.clear()
    yield
    alert_consumers._access_cache.clear()
    alert_consumers._order_cache.clear()


def run(coroutine_function):
    return async_to_sync(coroutine_function)()


async def open_terminal(raw_key: str, *, header: bool = False) -> tuple[WebsocketCommunicator, bool, str | None]:
    """A phone's browser offers the key as a subprotocol; a machine terminal sends the header."""
    from wassweb.asgi import application

    if header:
        communicator = WebsocketCommunicator(
            application, "/ws/units/", headers=[(b"authorization", f"Bearer {raw_key}".encode())]
        )
    else:
        communicator = WebsocketCommunicator(
            application,
            "/ws/units/",
            headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")],
            subprotocols=["wassweb.units", f"bearer.{raw_key}"],
        )
    connected, subprotocol = await communicator.connect()
    return communicator, connected, subprotocol


async def closed_with(communicator: WebsocketCommunicator) -> int | None:
    output = await communicator.receive_output(timeout=1)
    return output.get("code") if output["type"] == "websocket.close" else None


dispatch = database_sync_to_async(sighting_dispatch)
report = database_sync_to_async(unit_status_change)


def test_the_terminal_gets_its_unit_then_the_assignment_live(officer, hit, unit, unit_key):
    async def scenario():
        socket, connected, subprotocol = await open_terminal(unit_key)
        assert (connected, subprotocol) == (True, "wassweb.units")
        hello = await socket.receive_json_from(timeout=2)
        await dispatch(sighting_id=hit.id, actor=officer, unit_id=unit.pk)
        received = await frames(socket)
        await socket.disconnect()
        return hello, received

    hello, received = run(scenario)
    assert (hello["type"], hello["unit"]["call_sign"], hello["assignment"]) == ("unit", "은평12", None)
    [assignment] = received
    assert assignment["type"] == "assignment"
    assert assignment["unit"]["status"] == "assigned"
    facts = assignment["assignment"]
    assert (facts["sighting"], facts["wanted"], facts["plate"]) == (str(hit.id), "12가3456", "12가3456")
    assert facts["camera"] == hit.camera.code
    assert facts["dispatched_by"] == "officer"
    assert facts["trail"][-1][:2] == [hit.camera.lat, hit.camera.lon]


def test_a_machine_terminal_uses_the_authorization_header(unit, unit_key):
    async def scenario():
        socket, connected, _ = await open_terminal(unit_key, header=True)
        hello = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        return connected, hello

    connected, hello = run(scenario)
    assert connected and hello["unit"]["call_sign"] == "은평12"


def test_only_a_unit_key_opens_the_terminal_socket(officer, unit, municipality):
    _, alerts_key = api_key_create(user=officer, name="112 room", scope=ApiKey.Scope.ALERTS)
    _, api_key = api_key_create(user=officer, name="scripts", scope=ApiKey.Scope.API)
    _, integration_key = api_key_create(municipality=municipality, name="centre platform")

    async def scenario():
        codes = []
        for raw in ("wass_nope", alerts_key, api_key, integration_key):
            socket, _connected, _ = await open_terminal(raw)
            codes.append(await closed_with(socket))
        return codes

    assert run(scenario) == [4401, 4401, 4401, 4401]


def test_a_unit_key_does_not_open_the_live_alerts(unit_key):
    async def scenario():
        _socket, connected, _ = await open_socket([(b"authorization", f"Bearer {unit_key}".encode())])
        return connected

    assert run(scenario) is False


def test_a_revoked_key_hears_nothing_more(officer, hit, unit, unit_key):
    async def scenario():
        socket, _, _ = await open_terminal(unit_key)
        await socket.receive_json_from(timeout=2)
        api_key = await database_sync_to_async(ApiKey.objects.get)(unit_id=unit.pk)
        await database_sync_to_async(api_key_revoke)(api_key=api_key)
        await dispatch(sighting_id=hit.id, actor=officer, unit_id=unit.pk)
        return await closed_with(socket)

    assert run(scenario) == 4403


def test_a_units_report_reaches_the_112_rooms_dashboard_at_once(officer, hit, unit):
    async def scenario():
        room, connected, _ = await open_session_socket(officer)
        assert connected
        await dispatch(sighting_id=hit.id, actor=officer, unit_id=unit.pk)
        [dispatched] = await frames(room)
        await report(unit_id=unit.pk, status="on_scene")
        reported = await frames(room)
        await room.disconnect()
        return dispatched, reported

    dispatched, reported = run(scenario)
    assert (dispatched["dispatched_unit"], dispatched["dispatch_status"]) == ("은평12", "assigned")
    [update] = reported
    assert (update["type"], update["id"], update["dispatched_unit"]) == ("sighting.update", str(hit.id), "은평12")
    assert update["dispatch_status"] == "on_scene"


def test_a_report_reaches_the_units_other_terminals(officer, hit, unit, unit_key):
    async def scenario():
        terminal, _, _ = await open_terminal(unit_key)
        await terminal.receive_json_from(timeout=2)
        await dispatch(sighting_id=hit.id, actor=officer, unit_id=unit.pk)
        await frames(terminal)
        await report(unit_id=unit.pk, status="on_scene")
        received = await frames(terminal)
        await terminal.disconnect()
        return received

    [state] = run(scenario)
    assert (state["type"], state["unit"]["status"], state["assignment"]["status"]) == ("unit", "on_scene", "on_scene")


# --- Live views naming the unit (docs/UNITS.md, "The live picture") ---------------------------------------------


@pytest.fixture
def urgent(officer):
    from tests.sightings.live_views.helpers import urgent_order_make

    return urgent_order_make(officer)


def _request_live_view(officer, urgent, camera, unit):
    from tests.sightings.live_views.helpers import live_view_make

    return live_view_make(officer=officer, order=urgent, camera=camera, unit=unit)


request_live_view = database_sync_to_async(_request_live_view)


@database_sync_to_async
def approve(live_view, operator):
    from sightings.live_views.services import live_view_approve

    return live_view_approve(live_view=live_view, approved_by=operator, minutes=10)


@database_sync_to_async
def end(live_view, operator):
    from sightings.live_views.services import live_view_end

    return live_view_end(live_view=live_view, ended_by=operator)


def test_the_terminal_hears_the_approval_and_the_end_of_a_live_view_naming_its_unit(
    officer, operator, urgent, camera, unit, unit_key
):
    async def scenario():
        terminal, _, _ = await open_terminal(unit_key)
        await terminal.receive_json_from(timeout=2)
        live_view = await request_live_view(officer, urgent, camera, unit)
        requested = await frames(terminal)
        await approve(live_view, operator)
        approved = await frames(terminal)
        await end(live_view, operator)
        ended = await frames(terminal)
        await terminal.disconnect()
        return live_view, requested, approved, ended

    live_view, requested, approved, ended = run(scenario)
    assert requested == []  # nothing to do for the unit until the centre decides
    [frame] = approved
    assert (frame["type"], frame["id"], frame["status"]) == ("live_view", str(live_view.pk), "approved")
    assert (frame["camera"], frame["camera_name"]) == (camera.code, camera.name)
    assert frame["stream"] == f"/api/v1/live-views/{live_view.pk}/stream/"
    assert frame["approved_until"] is not None and frame["ended_at"] is None
    [frame] = ended
    assert (frame["type"], frame["id"], frame["status"]) == ("live_view", str(live_view.pk), "ended")
    assert frame["ended_at"] is not None


def test_a_unit_not_named_hears_nothing_of_a_live_view(officer, operator, urgent, camera, unit, other_unit, terminal):
    from tests.factories import unit_key_make

    other_key = unit_key_make(unit=other_unit, user=terminal)

    async def scenario():
        terminal_socket, _, _ = await open_terminal(other_key)
        hello = await terminal_socket.receive_json_from(timeout=2)
        live_view = await request_live_view(officer, urgent, camera, unit)
        await approve(live_view, operator)
        await end(live_view, operator)
        received = await frames(terminal_socket)
        await terminal_socket.disconnect()
        return hello, received

    hello, received = run(scenario)
    assert hello["unit"]["call_sign"] == "은평13"
    assert received == []


def test_a_terminal_connecting_during_a_running_live_view_gets_it_at_once(
    officer, operator, urgent, camera, unit, unit_key
):
    live_view = _request_live_view(officer, urgent, camera, unit)

    async def scenario():
        await approve(live_view, operator)
        terminal, _, _ = await open_terminal(unit_key)
        received = await frames(terminal)
        await terminal.disconnect()
        return received

    hello, running = run(scenario)
    assert hello["type"] == "unit"
    assert (running["type"], running["id"], running["status"]) == ("live_view", str(live_view.pk), "approved")


def test_a_revoked_key_hears_no_live_view(officer, operator, urgent, camera, unit, unit_key):
    live_view = _request_live_view(officer, urgent, camera, unit)

    async def scenario():
        terminal, _, _ = await open_terminal(unit_key)
        await terminal.receive_json_from(timeout=2)
        api_key = await database_sync_to_async(ApiKey.objects.get)(unit_id=unit.pk)
        await database_sync_to_async(api_key_revoke)(api_key=api_key)
        await approve(live_view, operator)
        return await closed_with(terminal)

    assert run(scenario) == 4403
