"""A patrol unit's terminal over WebSocket at /ws/units/ (frames: docs/UNITS.md).

The terminal authenticates with its unit key: a machine terminal in an `Authorization: Bearer` header, a phone's
browser (which cannot set headers on a socket) as the subprotocol `bearer.<key>` next to `wassweb.units`
(accounts.ws_auth). The socket joins its own unit's group only; on connecting it receives the unit's state and
current assignment and any running live view that names the unit, then every new assignment, status change and
live-view decision or end as they commit.
"""

from __future__ import annotations

from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from audit.services import socket_access_record
from sightings.live_views import selectors as live_view_selectors
from sightings.units import selectors as unit_selectors
from sightings.units.events import unit_group
from wassweb.db_release import database_read_off_thread

UNIT_SUBPROTOCOL = "wassweb.units"
# Close codes: the terminal's script stops reconnecting on these (as static/js/alerts.js does).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


_read_db = database_read_off_thread


class UnitConsumer(AsyncJsonWebsocketConsumer):
    async def dispatch(self, message: dict[str, Any]) -> None:
        # As sightings.live.consumers.AlertConsumer: not Channels' housekeeping through Django's one synchronous
        # thread before every message; the handlers reach the database only through _read_db.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        api_key, user = self.scope.get("api_key"), self.scope.get("user")
        if (
            api_key is None
            or getattr(api_key, "scope", None) != "unit"
            or api_key.unit_id is None
            or not getattr(user, "is_authenticated", False)
        ):
            # An alerts or API key, a session, or nothing: only a unit's own key opens its socket.
            if getattr(user, "is_authenticated", False):
                await _read_db(socket_access_record)(
                    scope=self.scope, user=user, allowed=False, object_type="patrolunit", refusal="not a unit key"
                )
            # Accepted, then closed with a code: a browser learns only "failed" from a refused handshake, and the
            # terminal must tell a refused key (sign in again) from a server that is away (reconnect).
            await self.accept(subprotocol=self._subprotocol())
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.key_id, self.unit_id = api_key.pk, api_key.unit_id
        self.group = unit_group(self.unit_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await _read_db(socket_access_record)(
            scope=self.scope, user=user, allowed=True, subscribed=[self.group], object_type="patrolunit"
        )
        await self.accept(subprotocol=self._subprotocol())
        state = await _read_db(unit_selectors.unit_state)(self.unit_id)
        if state is not None:
            await self.send_json({"type": "unit", **state})
        # A terminal that (re)connects during a session it is named in starts its player again.
        for frame in await _read_db(live_view_selectors.unit_live_view_frames)(self.unit_id):
            await self.send_json(frame)

    def _subprotocol(self) -> str | None:
        # Never the offered "bearer.<key>": the key is not echoed back in the handshake's answer.
        return UNIT_SUBPROTOCOL if UNIT_SUBPROTOCOL in (self.scope.get("subprotocols") or []) else None

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json(
                {"type": "error", "detail": "Unknown message type; expected ping. Report status over HTTP."}
            )

    async def _still_allowed(self) -> bool:
        # Rare events (an assignment, a status change): the key is re-read for each, so a revoked key hears nothing.
        if await _read_db(unit_selectors.unit_key_still_valid)(self.key_id, self.unit_id):
            return True
        await self.close(code=CLOSE_FORBIDDEN)
        return False

    async def unit_assignment(self, event: dict[str, Any]) -> None:
        if await self._still_allowed():
            await self.send_json(event["payload"])

    async def unit_state(self, event: dict[str, Any]) -> None:
        if await self._still_allowed():
            await self.send_json(event["payload"])

    async def live_view_update(self, event: dict[str, Any]) -> None:
        # A live view naming this unit was approved, denied or ended (sightings.live_views.services).
        if await self._still_allowed():
            await self.send_json(event["payload"])
