"""Reads for footage requests, always narrowed to what the person may see."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import F, Prefetch, QuerySet
from django.db.models.fields.tuple_lookups import TupleLessThan
from django.utils import timezone

from sightings import permissions
from sightings.models import FOOTAGE_NEVER_ESCALATED, FootageFile, FootageRequest, footage_list_keys
from sightings.orders.selectors import KeysetPage

FOOTAGE_PAGE = 50


def footage_requests_for(user: Any, *, status: str | None = None, sighting_id: Any = None) -> QuerySet[FootageRequest]:
    """The requests a person may see, in the lists' order: undecided first, escalated and urgent on top, newest
    first (sightings.models.footage_list_keys; each list has its index in that order)."""
    queryset = permissions.footage_requests_visible(
        user,
        FootageRequest.objects.select_related(
            "order", "camera", "municipality__province", "requested_by", "agency", "decided_by"
        ),
    )
    if status:
        queryset = queryset.filter(status=status)
    if sighting_id:
        queryset = queryset.filter(sighting_id=sighting_id)
    keys = footage_list_keys()
    return queryset.alias(**keys).order_by(*(f"-{key}" for key in keys))


def footage_requests_page(user: Any, *, status: str | None = None, after: str | None = None) -> KeysetPage:
    """One page of the person's list after the position `after` (footage_list_position); ValueError for a bad one.

    A page is one read of the list's index from the position on, however long the agency's or centre's history.
    """
    listed = footage_requests_for(user, status=status)
    page = listed
    if after:
        keys = tuple(F(key) for key in footage_list_keys())
        page = page.filter(TupleLessThan(keys, _position_keys(after)))
    # The page's ids are read from the list's index alone, then the page with its relations: PostgreSQL estimates
    # a position by its first key only, and with the relations joined it would sort the rest of the list.
    ids = list(page.values_list("id", flat=True)[: FOOTAGE_PAGE + 1])
    rows = list(listed.filter(id__in=ids))
    items = rows[:FOOTAGE_PAGE]
    return KeysetPage(items, footage_list_position(items[-1]) if len(rows) > FOOTAGE_PAGE else None)


def footage_list_position(footage_request: FootageRequest) -> str:
    """Where the page after this request starts, URL-safe: its keys in the lists' order."""
    escalated = footage_request.escalated_at or FOOTAGE_NEVER_ESCALATED
    return "_".join(
        [
            f"{int(footage_request.is_pending)}{int(footage_request.urgent)}",
            str(_microseconds(escalated)),
            str(_microseconds(footage_request.created_at)),
            str(footage_request.pk),
        ]
    )


def _position_keys(position: str) -> tuple[bool, dt.datetime, bool, dt.datetime, uuid.UUID]:
    flags, escalated, created, pk = position.split("_")
    if len(flags) != 2 or not set(flags) <= {"0", "1"}:
        raise ValueError(position)
    return flags[0] == "1", _moment(escalated), flags[1] == "1", _moment(created), uuid.UUID(pk)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _microseconds(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)


def _moment(microseconds: str) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=int(microseconds))


def footage_request_get(user: Any, request_id: Any) -> FootageRequest | None:
    """One request with its files, or None when it does not exist or is not the person's to see."""
    return (
        footage_requests_for(user)
        .select_related("sighting")
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
