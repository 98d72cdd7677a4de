"""Shared setup for the footage request tests: a sighting with photos and small valid files."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sightings.models import FootageRequest, Sighting

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 128


def jpeg_upload(name: str = "scene.jpg", content: bytes = JPEG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def mp4_upload(name: str = "clip.mp4", content: bytes = MP4) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="video/mp4")


def make_sighting(order, camera, *, photos: bool = True) -> Sighting:
    sighting = Sighting(
        order=order,
        camera=camera,
        read_id=uuid.uuid4(),
        plate=order.plate or "12가3456",
        match_kind=Sighting.MatchKind.EXACT,
        score=1.0,
        seen_at=timezone.now() - dt.timedelta(minutes=30),
    )
    if photos:
        sighting.plate_image.save("plate.jpg", ContentFile(JPEG + b"plate"), save=False)
        sighting.vehicle_image.save("vehicle.jpg", ContentFile(JPEG + b"vehicle"), save=False)
    sighting.save()
    return sighting


def make_request(*, order, camera, requested_by, sighting=None, urgent=False, **fields) -> FootageRequest:
    """A pending request stored directly, for tests of what happens after it was made."""
    now = timezone.now()
    values = {
        "order": order,
        "sighting": sighting,
        "camera": camera,
        "municipality": camera.municipality,
        "window_start": now - dt.timedelta(hours=1),
        "window_end": now - dt.timedelta(minutes=30),
        "purpose": "Escape route of the robbery suspect",
        "legal_basis": "18-2-7",
        "case_number": order.case_number,
        "urgent": urgent,
        "requested_by": requested_by,
        "agency_id": requested_by.agency_id,
    }
    values.update(fields)
    return FootageRequest.objects.create(**values)
