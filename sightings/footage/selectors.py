"""Reads for footage requests, always narrowed to what the person may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, F, IntegerField, Prefetch, QuerySet, Value, When

from sightings import permissions
from sightings.models import FootageFile, FootageRequest


def footage_requests_for(user: Any, *, status: str | None = None) -> QuerySet[FootageRequest]:
    """The requests a person may see: operators get pending first, escalated and urgent on top."""
    queryset = permissions.footage_requests_visible(
        user,
        FootageRequest.objects.select_related(
            "order", "sighting", "camera", "municipality__province", "requested_by", "agency", "decided_by"
        ),
    )
    if status:
        queryset = queryset.filter(status=status)
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
