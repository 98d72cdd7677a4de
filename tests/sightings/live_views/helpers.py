"""Shared setup for the live-view tests: an urgent order, a centre's video server, and requests in each state."""

from __future__ import annotations

from typing import Any

from sightings.live_views import services as live_services
from sightings.models import LiveView, WantedOrder
from tests.factories import order_make

VIDEO_BASE = "https://video.centre.example/11380"


def urgent_order_make(officer: Any, **fields: Any) -> WantedOrder:
    values = {"plate": "234러5678", "crime": "kidnapping", "legal_basis": "18-2-3", "priority": "urgent"}
    values.update(fields)
    return order_make(issued_by=officer, **values)


def video_server_make(municipality: Any, base_url: str = VIDEO_BASE) -> bytes:
    _, secret = live_services.live_video_server_set(municipality=municipality, base_url=base_url)
    return secret


def live_view_make(*, officer: Any, order: WantedOrder, camera: Any, **fields: Any) -> LiveView:
    return live_services.live_view_request(
        requested_by=officer, order=order, camera=camera, reason="납치 피해자 위치 확인", **fields
    )


def approved_make(*, officer: Any, operator: Any, order: WantedOrder, camera: Any, minutes: int = 30) -> LiveView:
    live_view = live_view_make(officer=officer, order=order, camera=camera)
    return live_services.live_view_approve(live_view=live_view, approved_by=operator, minutes=minutes)
