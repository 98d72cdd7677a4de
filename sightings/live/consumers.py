"""Live alerts over WebSocket at /ws/alerts/ (protocol and guarantees: docs/ALERTS.md)."""

from __future__ import annotations

import asyncio
import functools
import time
import weakref
from typing import Any

import orjson
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch

from audit.services import socket_access_record
from sightings.hits import selectors as hit_selectors
from sightings.live.alerts import OFFICERS_GROUP, groups_for_access, municipality_group
from sightings.permissions import AlertAccess, alert_access_for, alert_may_receive
from wassweb.db_release import database_read_off_thread

# Close codes: the browser script stops reconnecting on these.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403

# Per-message checks read the person and the order through short process-wide caches, so a hit fanned out to
# hundreds of sockets costs one query, not hundreds. A change to a person is pushed to their sockets at once
# (the access.changed event, sent when the user is saved); the person's TTL is only a safety net.
ACCESS_TTL_SECONDS = 30.0
ORDER_TTL_SECONDS = 1.0
REPLAY_CHUNK = 500
SHARED_GROUP_PREFIXES = (OFFICERS_GROUP, municipality_group(""))

_access_cache: dict[int, tuple[float, asyncio.Future]] = {}
_order_cache: dict[str, tuple[float, asyncio.Future]] = {}


# Off the thread that serves Django's synchronous HTTP views, so alerts never queue behind read uploads.
_read_db = database_read_off_thread


async def _single_flight(cache: dict, key: Any, ttl: float, load) -> Any:
    """One load per key per TTL, shared by every socket asking meanwhile (no stampede on a new order)."""
    now = time.monotonic()
    cached = cache.get(key)
    stale = (
        cached is None
        or cached[0] <= now
        or cached[1].get_loop() is not asyncio.get_running_loop()
        or cached[1].cancelled()
        or (cached[1].done() and cached[1].exception() is not None)
    )
    if stale:
        if len(cache) > 10_000:
            cache.clear()
        future = asyncio.ensure_future(load())
        cache[key] = (now + ttl, future)
        cached = cache[key]
    elif cached[1].done():
        # The common case, once per socket for every hit: the fresh answer is there, taken without a new task.
        return cached[1].result()
    return await asyncio.shield(cached[1])


async def _current_access(user_id: int, *, fresh: bool = False) -> AlertAccess | None:
    if fresh:
        _access_cache.pop(user_id, None)
    return await _single_flight(
        _access_cache, user_id, ACCESS_TTL_SECONDS, lambda: _read_db(hit_selectors.alert_access_of_user)(user_id)
    )


def _order_checked(order_id: str, active: bool, checked_at: float) -> None:
    """Takes the announcer's fresh reading of an order instead of reading it again (same TTL either way)."""
    age = time.time() - checked_at
    if not 0 <= age < ORDER_TTL_SECONDS or order_id in _order_cache:
        return
    future = asyncio.get_running_loop().create_future()
    future.set_result(active)
    _order_cache[order_id] = (time.monotonic() + ORDER_TTL_SECONDS - age, future)


async def _order_active(order_id: str) -> bool:
    return await _single_flight(
        _order_cache, order_id, ORDER_TTL_SECONDS, lambda: _read_db(hit_selectors.order_is_active)(order_id)
    )


class _LocalFanout:
    """One channel per process (per event loop) joins each shared group once and copies what arrives to the
    sockets of this process in memory.

    Without it every socket is its own member of the officers' groups, and each hit costs one channel-layer
    delivery (a Redis round trip) per socket: hundreds per hit, all through one receive loop per process.
    With it a hit costs one delivery per group per process. Order per group is kept: one reader, one queue
    per socket.

    A frame a socket sends leaves the process only when the event loop next polls its sockets for writing, and
    the loop does that only after every callback that was ready has run. Woken all at once, the sockets of the
    process would each build and queue their frame in the same pass, and the first frame would leave after the
    last was built: every client would wait for the whole fan-out (30–40 ms for 200 sockets, measured). The
    pump therefore wakes them HANDOVER_BATCH at a time and lets the loop turn in between, so the first clients'
    frames are written while the next ones are still being built.
    """

    REFRESH_SECONDS = 1800  # re-join now and then, so the layer's group expiry never drops this process
    # Sockets woken per turn of the event loop (docs/PERFORMANCE.md, "The 2026-11-29 regression, found").
    HANDOVER_BATCH = 25

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.channel: str | None = None
        self.members: dict[str, set[AlertConsumer]] = {}
        self.lock = asyncio.Lock()
        self.tasks: list[asyncio.Task] = []

    async def join(self, group: str, consumer: AlertConsumer) -> None:
        async with self.lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
                self.tasks = [asyncio.ensure_future(self._pump()), asyncio.ensure_future(self._refresh())]
            members = self.members.setdefault(group, set())
            if not members:
                await self.layer.group_add(group, self.channel)
            members.add(consumer)

    async def leave(self, group: str, consumer: AlertConsumer) -> None:
        async with self.lock:
            members = self.members.get(group)
            if members is None:
                return
            members.discard(consumer)
            if not members:
                del self.members[group]
                await self.layer.group_discard(group, self.channel)

    async def _pump(self) -> None:
        while True:
            message = await self.layer.receive(self.channel)
            members = list(self.members.get(message.get("group", ""), ()))
            for start in range(0, len(members), self.HANDOVER_BATCH):
                if start:
                    # One turn of the loop: the sockets woken so far send and their frames are written. The next
                    # message is received only after this one reached every socket, so each socket's order holds.
                    await asyncio.sleep(0)
                for consumer in members[start : start + self.HANDOVER_BATCH]:
                    consumer.local_inbox.put_nowait(message)

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(self.REFRESH_SECONDS)
            for group in list(self.members):
                await self.layer.group_add(group, self.channel)


_fanouts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LocalFanout] = weakref.WeakKeyDictionary()


def _fanout(layer: Any) -> _LocalFanout:
    loop = asyncio.get_running_loop()
    fanout = _fanouts.get(loop)
    if fanout is None or fanout.layer is not layer:
        fanout = _fanouts[loop] = _LocalFanout(layer)
    return fanout


class AlertConsumer(AsyncJsonWebsocketConsumer):
    """Sends hits as they are stored, replays what a reconnecting client missed, relays hit and footage updates.

    `cursor` is the stream position up to which this client has everything it may see (delivered now or
    before it connected). A live hit at or below it is a duplicate; one above cursor + 1 means hits in between
    were announced out of order or not to this socket's group, so they are read from the database first.
    """

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # As Channels' AsyncConsumer.__call__, with a third source: what the process's fan-out hands over.
        self.scope = scope
        self.local_inbox: asyncio.Queue = asyncio.Queue()
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
        self.base_send = send
        try:
            await await_many_dispatch([receive, self.channel_receive, self.local_inbox.get], self.dispatch)
        except StopConsumer:
            pass

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale database connections before every message through Django's one synchronous
        # thread, the one that also serves HTTP views: hundreds of sockets x every hit would queue there.
        # The handlers here reach the database only through _read_db, which does that housekeeping itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        access = await _read_db(alert_access_for)(user)
        if access is None:
            # Roles without live alerts (auditors, administrators) are turned away at the door.
            await _read_db(socket_access_record)(scope=self.scope, user=user, allowed=False)
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.access = access
        self.alert_groups = groups_for_access(access)
        for group in self.alert_groups:
            await self._join(group)
        # Joined first, then read the head: every hit above it is announced after this socket listens.
        self.start = await _read_db(hit_selectors.alert_stream_head)()
        self.cursor = self.start
        # The subscription is on the access log before the first frame can reach the person.
        await _read_db(socket_access_record)(scope=self.scope, user=user, allowed=True, subscribed=self.alert_groups)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "alert_groups", []):
            if group.startswith(SHARED_GROUP_PREFIXES):
                await _fanout(self.channel_layer).leave(group, self)
            else:
                await self.channel_layer.group_discard(group, self.channel_name)

    async def _join(self, group: str) -> None:
        # Groups many sockets share go through the process's fan-out; a person's own group stays direct.
        if group.startswith(SHARED_GROUP_PREFIXES):
            await _fanout(self.channel_layer).join(group, self)
        else:
            await self.channel_layer.group_add(group, self.channel_name)

    # -- messages from the client ----------------------------------------------------------------------------

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "resume":
            await self._resume(content.get("after"))
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json({"type": "error", "detail": "Unknown message type; expected resume or ping."})

    async def _resume(self, after: Any) -> None:
        position = await _read_db(hit_selectors.alert_position_of)(after)
        if position is None:
            await self.send_json(
                {"type": "error", "detail": "Unknown sighting in resume.after; reload to catch up.", "after": after}
            )
            return
        replayed = 0
        if position < self.start:
            # Missed while away: everything visible after the client's last hit up to where this socket began.
            replayed = await self._deliver_range(position, self.start + 1)
            self.start = position
        self.cursor = max(self.cursor, position)
        await self.send_json({"type": "resumed", "after": after, "replayed": replayed, "seq": self.cursor})

    # -- events from the channel layer -----------------------------------------------------------------------

    async def access_changed(self, event: dict[str, Any]) -> None:
        """The person was changed (deactivated, moved, new role): re-read them now, not at the next TTL."""
        await self._still_allowed(fresh=True)

    async def _still_allowed(self, *, fresh: bool = False) -> AlertAccess | None:
        access = await _current_access(self.access.user_id, fresh=fresh)
        if access != self.access:
            # Deactivated, or moved to another role or municipality: this socket's groups no longer fit.
            await self.close(code=CLOSE_FORBIDDEN)
            return None
        return access

    async def sighting_alert(self, event: dict[str, Any]) -> None:
        payload = event["payload"]
        position = payload.get("seq")
        if position is None or position <= self.cursor:
            return
        access = await self._still_allowed()
        if access is None:
            return
        if "checked_at" in event:
            _order_checked(payload["order"], bool(event.get("order_active")), float(event["checked_at"]))
        if position > self.cursor + 1:
            await self._deliver_range(self.cursor, position)
        self.cursor = position
        if alert_may_receive(
            access, municipality=payload["municipality"], order_active=await _order_active(payload["order"])
        ):
            await self._send_event_payload(event)

    async def sighting_update(self, event: dict[str, Any]) -> None:
        payload = event["payload"]
        access = await self._still_allowed()
        if access is not None and alert_may_receive(
            access, municipality=payload["municipality"], order_active=await _order_active(payload["order"])
        ):
            await self._send_event_payload(event)

    async def _send_event_payload(self, event: dict[str, Any]) -> None:
        # The fan-out hands the same event object to every socket of the process: encode it once for all.
        text = event.get("encoded_payload")
        if text is None:
            text = event["encoded_payload"] = self.encode_payload(event["payload"])
        await self.send(text_data=text)

    @staticmethod
    def encode_payload(content: Any) -> str:
        return orjson.dumps(content).decode()

    @classmethod
    async def encode_json(cls, content: Any) -> str:
        return cls.encode_payload(content)

    async def footage_update(self, event: dict[str, Any]) -> None:
        # Footage services address these to the requester's own group or the deciding municipality's.
        if await self._still_allowed() is not None:
            await self.send_json(event["payload"])

    async def live_view_update(self, event: dict[str, Any]) -> None:
        # Live-view services address these to the requester's own group or the deciding municipality's.
        if await self._still_allowed() is not None:
            await self.send_json(event["payload"])

    async def _deliver_range(self, after: int, before: int) -> int:
        """Sends the hits this person may see with after < position < before, in stream order."""
        sent = 0
        while True:
            payloads = await _read_db(hit_selectors.alerts_between)(
                self.access.user_id, after=after, before=before, limit=REPLAY_CHUNK
            )
            for payload in payloads:
                await self.send_json(payload)
            sent += len(payloads)
            if len(payloads) < REPLAY_CHUNK:
                return sent
            after = payloads[-1]["seq"]
