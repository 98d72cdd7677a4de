"""Helpers for live-alert tests: hits stored and announced, and sockets opened the way browsers open them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from sightings.live.alerts import sightings_announce
from sightings.models import Camera, Sighting, WantedOrder
from tests.factories import order_make, sighting_make

ORIGIN = b"http://127.0.0.1"


def make_hit(order: WantedOrder, camera: Camera, *, plate: str | None = None, match_kind: str = "exact") -> Sighting:
    """A sighting just received, as a live alert shows it."""
    return sighting_make(
        order,
        camera,
        seen_ago=dt.timedelta(seconds=2),
        plate=plate or order.plate,
        match_kind=match_kind,
        score=1.0 if match_kind == "exact" else 0.8,
        confidence=0.93,
        received_at=timezone.now(),
    )


def make_order(officer: Any, *, plate: str = "34나5678", priority: str = "high") -> WantedOrder:
    """A second order, alongside the `order` fixture's."""
    return order_make(
        issued_by=officer,
        plate=plate,
        crime="kidnapping",
        case_number="2026-TEST-0002",
        priority=priority,
        expires_in=dt.timedelta(days=1),
    )


def store_and_announce(order: WantedOrder, camera: Camera, **fields: Any) -> Sighting:
    sighting = make_hit(order, camera, **fields)
    sightings_announce([sighting.id])
    sighting.refresh_from_db()
    return sighting


async_store_and_announce = database_sync_to_async(store_and_announce)


def session_headers(user: Any, origin: bytes = ORIGIN) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    return [(b"cookie", f"sessionid={cookie}".encode()), (b"origin", origin), (b"host", b"127.0.0.1")]


async def open_socket(headers: list[tuple[bytes, bytes]]) -> tuple[WebsocketCommunicator, bool, Any]:
    from wassweb.asgi import application

    communicator = WebsocketCommunicator(application, "/ws/alerts/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def frames(communicator: WebsocketCommunicator, *, wait: float = 0.3) -> list[dict[str, Any]]:
    """Every frame the socket has received until it stays quiet for `wait` seconds (the socket stays open)."""
    received = []
    while not await communicator.receive_nothing(timeout=wait):
        received.append(await communicator.receive_json_from())
    return received


async def open_session_socket(user: Any, origin: bytes = ORIGIN) -> tuple[WebsocketCommunicator, bool, Any]:
    """A browser's socket: the person's session cookie and the page's Origin."""
    return await open_socket(await database_sync_to_async(session_headers)(user, origin))
