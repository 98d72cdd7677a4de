"""Reads of a centre's cameras for its operators' pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, QuerySet

from sightings.models import Camera, Municipality


def cameras_of(municipality: Municipality) -> QuerySet[Camera]:
    """The municipality's cameras, in service first, each with how many hits it made and its latest one."""
    return (
        Camera.objects.filter(municipality=municipality)
        .annotate(sighting_count=Count("sightings"), last_sighting_at=Max("sightings__seen_at"))
        .order_by("-active", "code")
    )


def camera_of(municipality_id: Any, camera_id: Any) -> Camera | None:
    """One camera of that municipality, or None (another centre's camera is not there for this person)."""
    return (
        Camera.objects.select_related("municipality__province")
        .filter(municipality_id=municipality_id, pk=camera_id)
        .first()
    )
