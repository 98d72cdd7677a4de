"""Reads for live views: what a person may see, the centre's queue, and a session's viewers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from sightings import permissions
from sightings.models import LiveVideoServer, LiveView, LiveViewViewer


def live_views_for(user: Any, *, status: str | None = None) -> QuerySet[LiveView]:
    """The live views the person may see, waiting ones first, newest first."""
    queryset = permissions.live_views_visible(
        user,
        LiveView.objects.select_related(
            "order", "camera", "municipality__province", "requested_by", "agency", "decided_by", "ended_by", "unit"
        ),
    )
    if status:
        queryset = queryset.filter(status=status)
    waiting_first = Case(
        When(status=LiveView.Status.REQUESTED, then=Value(0)),
        When(status=LiveView.Status.APPROVED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return queryset.annotate(waiting_first=waiting_first).order_by("waiting_first", "-created_at")


def live_view_get(user: Any, live_view_id: Any) -> LiveView | None:
    """One live view, or None when it does not exist or is not the person's to see."""
    return live_views_for(user).filter(pk=live_view_id).first()


def live_view_viewers(live_view: LiveView) -> list[LiveViewViewer]:
    return list(
        LiveViewViewer.objects.filter(live_view=live_view).select_related("user", "unit").order_by("first_at", "id")
    )


def video_server_origin(base_url: str) -> str:
    """The origin a player fetches a centre's stream from (what a page's Content Security Policy has to allow)."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def live_video_server_origin(municipality_id: Any) -> str | None:
    servers = LiveVideoServer.objects.filter(municipality_id=municipality_id)
    base_url = servers.values_list("base_url", flat=True).first()
    return video_server_origin(base_url) if base_url else None


def live_video_origins() -> list[str]:
    """Every configured centre video server's origin, once each: the unit terminal's player may need any of them."""
    return sorted({video_server_origin(url) for url in LiveVideoServer.objects.values_list("base_url", flat=True)})


def live_view_unit_frame(live_view: LiveView) -> dict[str, Any]:
    """The `live_view` frame for the named unit's terminals (/ws/units/, docs/UNITS.md): what to play and until when.

    `live_view` needs its camera and municipality loaded.
    """
    return {
        "type": "live_view",
        "id": str(live_view.id),
        "status": live_view.status,
        "camera": live_view.camera.code,
        "camera_name": live_view.camera.name,
        "municipality_name": live_view.municipality.name,
        "approved_until": live_view.approved_until.isoformat() if live_view.approved_until else None,
        "ended_at": live_view.ended_at.isoformat() if live_view.ended_at else None,
        "stream": reverse("live-view-stream", kwargs={"view_id": live_view.id}),
    }


def unit_live_view_frames(unit_id: Any, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The running live views that name the unit, as frames: a terminal that (re)connects picks its player up."""
    now = now or timezone.now()
    running = (
        LiveView.objects.filter(unit_id=unit_id, status=LiveView.Status.APPROVED, approved_until__gt=now)
        .select_related("camera", "municipality")
        .order_by("created_at")
    )
    return [live_view_unit_frame(live_view) for live_view in running]


@dataclass(frozen=True)
class LiveQueueRow:
    """A live view on the centre dashboard: waiting for a decision (with the minutes before it lapses) or running."""

    live_view: LiveView
    waiting: dt.timedelta
    lapses_at: dt.datetime | None


def live_view_queue_for(user: Any, *, now: dt.datetime | None = None, limit: int = 20) -> list[LiveQueueRow]:
    """An operator's undecided requests (and the sessions running now) for the top of the centre dashboard."""
    now = now or timezone.now()
    lapse = dt.timedelta(minutes=settings.LIVE_VIEW_PENDING_MINUTES)
    rows = []
    queryset = live_views_for(user).filter(status__in=[LiveView.Status.REQUESTED, LiveView.Status.APPROVED])
    for live_view in queryset[:limit]:
        if live_view.is_requested and live_view.created_at + lapse <= now:
            continue  # lapsed, waiting for beat to say so
        if live_view.status == LiveView.Status.APPROVED and not live_view.is_running(now):
            continue
        rows.append(
            LiveQueueRow(
                live_view=live_view,
                waiting=now - live_view.created_at,
                lapses_at=live_view.created_at + lapse if live_view.is_requested else None,
            )
        )
    return rows


def live_views_by_sighting(user: Any, sighting_ids: list[Any]) -> dict[Any, LiveView]:
    """The latest live view the person may see for each of these sightings."""
    latest: dict[Any, LiveView] = {}
    visible = permissions.live_views_visible(user, LiveView.objects.filter(sighting_id__in=sighting_ids))
    for live_view in visible.order_by("created_at").only("id", "sighting_id", "status"):
        latest[live_view.sighting_id] = live_view
    return latest
