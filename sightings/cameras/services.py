"""Writes on a centre's cameras. A camera is never deleted: its sightings, footage requests and ledger entries
point at it, so a camera taken out of service is retired (inactive) and keeps its history.

Integrations send reads by camera code; the reads API takes the usable cameras (active, reading plates) from a
per-process cache, so a camera switched off or retired stops being accepted within KEY_CACHE_SECONDS.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sightings.models import Camera, Municipality
from wassweb import service_errors

# Around the Korean peninsula and its islands (마라도 33.1°N … 38.6°N, 백령도 124.6°E … 독도 131.9°E).
LAT_RANGE = (33.0, 38.7)
LON_RANGE = (124.5, 132.0)
# What integrations send as "camera": letters, digits and - _ . only, so it survives every system in between.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


class CameraRetired(service_errors.Conflict):
    """The camera has been retired; it keeps its history and cannot be changed."""


def _place_errors(*, lat: Any, lon: Any) -> dict[str, str]:
    errors = {}
    if lat is None or not LAT_RANGE[0] <= lat <= LAT_RANGE[1]:
        errors["lat"] = _("Latitude is between %(low)s and %(high)s in Korea.") % dict(
            zip(("low", "high"), LAT_RANGE, strict=True)
        )
    if lon is None or not LON_RANGE[0] <= lon <= LON_RANGE[1]:
        errors["lon"] = _("Longitude is between %(low)s and %(high)s in Korea.") % dict(
            zip(("low", "high"), LON_RANGE, strict=True)
        )
    return errors


def _name_errors(name: str) -> dict[str, str]:
    if not name:
        return {"name": _("Give the camera a name people recognise, e.g. the crossing it watches.")}
    if len(name) > 120:
        return {"name": _("At most 120 characters.")}
    return {}


def _locked_in_service(camera: Camera) -> Camera:
    locked = Camera.objects.select_for_update().select_related("municipality").get(pk=camera.pk)
    if not locked.active:
        raise CameraRetired(
            _("Camera %(code)s has been retired; it keeps its history and cannot be changed.") % {"code": locked.code}
        )
    return locked


@transaction.atomic
def camera_create(
    *,
    municipality: Municipality,
    code: str,
    name: str,
    lat: float,
    lon: float,
    kind: str = Camera.Kind.ARTERIAL,
    reads_plates: bool = True,
) -> Camera:
    """Adds a camera to the municipality; its integration may send reads for it at once."""
    code, name = (code or "").strip(), (name or "").strip()
    errors = {**_name_errors(name), **_place_errors(lat=lat, lon=lon)}
    if not CODE_PATTERN.match(code):
        errors["code"] = _("A code of letters, digits and - _ . (at most 40), as the integration sends it.")
    elif Camera.objects.filter(municipality=municipality, code=code).exists():
        errors["code"] = _("The centre already has a camera %(code)s (retired cameras keep their codes).") % {
            "code": code
        }
    if kind not in Camera.Kind.values:
        errors["kind"] = _("Kind is one of %(kinds)s.") % {"kinds": ", ".join(Camera.Kind.values)}
    if errors:
        raise ValidationError(errors)
    return Camera.objects.create(
        municipality=municipality, code=code, name=name, lat=lat, lon=lon, kind=kind, reads_plates=reads_plates
    )


@transaction.atomic
def camera_update(*, camera: Camera, name: str, lat: float, lon: float, kind: str) -> Camera:
    """Renames or moves a camera in service (its code, which integrations send, stays)."""
    name = (name or "").strip()
    errors = {**_name_errors(name), **_place_errors(lat=lat, lon=lon)}
    if kind not in Camera.Kind.values:
        errors["kind"] = _("Kind is one of %(kinds)s.") % {"kinds": ", ".join(Camera.Kind.values)}
    if errors:
        raise ValidationError(errors)
    camera = _locked_in_service(camera)
    camera.name, camera.lat, camera.lon, camera.kind = name, lat, lon, kind
    camera.save(update_fields=["name", "lat", "lon", "kind"])
    return camera


@transaction.atomic
def camera_reading_set(*, camera: Camera, reads_plates: bool) -> Camera:
    """Switches plate reading on or off; a camera switched off sends no reads the system accepts."""
    camera = _locked_in_service(camera)
    camera.reads_plates = reads_plates
    camera.save(update_fields=["reads_plates"])
    return camera


@transaction.atomic
def camera_retire(*, camera: Camera) -> Camera:
    """Takes a camera out of service for good: no reads accepted, no footage requests; its history stays."""
    camera = _locked_in_service(camera)
    camera.active = False
    camera.reads_plates = False
    camera.save(update_fields=["active", "reads_plates"])
    return camera
