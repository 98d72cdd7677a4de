"""Reads for footage requests, always narrowed to what the person may see."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Case, F, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone

from sightings import permissions
from sightings.models import FootageFile, FootageRequest


def footage_requests_for(user: Any, *, status: str | None = None, sighting_id: Any = None) -> QuerySet[FootageRequest]:
    """The requests a person may see: operators get pending first, escalated and urgent on top."""
    queryset = permissions.footage_requests_visible(
        user,
        FootageRequest.objects.select_related(
            "order", "sighting", "camera", "municipality__province", "requested_by", "agency", "decided_by"
        ),
    )
    if status:
        queryset = queryset.filter(status=status)
    if sighting_id:
        queryset = queryset.filter(sighting_id=sighting_id)
    pending_first = Case(
        When(status=FootageRequest.Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return queryset.annotate(pending_first=pending_first).order_by(
        "pending_first", F("escalated_at").desc(nulls_last=True), "-urgent", "-created_at"
    )


def footage_request_get(user: Any, request_id: Any) -> FootageRequest | None:
    """One request with its files, or None when it does not exist or is not the person's to see."""
    return (
        footage_requests_for(user)
        .prefetch_related(Prefetch("files", queryset=FootageFile.objects.order_by("created_at", "name")))
        .filter(pk=request_id)
        .first()
    )


def footage_file_get(footage_request: FootageRequest, file_id: Any) -> FootageFile | None:
    return footage_request.files.filter(pk=file_id).first()


def footage_requests_by_sighting(user: Any, sighting_ids: list[Any]) -> dict[Any, FootageRequest]:
    """The latest request the person may see for each of these sightings (a hit's or a timeline row's status)."""
    latest: dict[Any, FootageRequest] = {}
    visible = permissions.footage_requests_visible(user, FootageRequest.objects.filter(sighting_id__in=sighting_ids))
    for footage_request in visible.order_by("created_at").only("id", "sighting_id", "status", "urgent", "escalated_at"):
        latest[footage_request.sighting_id] = footage_request
    return latest


@dataclass(frozen=True)
class QueueRow:
    """A pending request as the centre dashboard shows it: how long it has waited and where its escalation is."""

    request: FootageRequest
    waiting: dt.timedelta
    # Urgent requests only: when the request escalates (or did), and the whole minutes left before it does.
    escalates_at: dt.datetime | None
    minutes_left: int | None

    @property
    def escalation(self) -> str:
        """none (not urgent), escalated, due (past its time, waiting for the next escalation run) or waiting."""
        if self.escalates_at is None:
            return "none"
        if self.request.escalated_at is not None:
            return "escalated"
        return "due" if self.minutes_left is not None and self.minutes_left <= 0 else "waiting"


def footage_queue_for(user: Any, *, now: dt.datetime | None = None, limit: int = 20) -> list[QueueRow]:
    """An operator's undecided requests for the dashboard: escalated and urgent first, oldest waiting longest."""
    now = now or timezone.now()
    limit_after = dt.timedelta(minutes=settings.FOOTAGE_URGENT_ESCALATE_MINUTES)
    rows = []
    for footage_request in footage_requests_for(user, status=FootageRequest.Status.PENDING)[:limit]:
        escalates_at = footage_request.created_at + limit_after if footage_request.urgent else None
        minutes_left = None
        if escalates_at is not None:
            minutes_left = max(0, math.ceil((escalates_at - now).total_seconds() / 60))
        rows.append(
            QueueRow(
                request=footage_request,
                waiting=now - footage_request.created_at,
                escalates_at=escalates_at,
                minutes_left=minutes_left,
            )
        )
    return rows
