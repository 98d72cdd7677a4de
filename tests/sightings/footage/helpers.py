"""Shared setup for the footage request tests: a sighting with photos and small valid uploads."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from sightings.models import Sighting
from tests.factories import PHOTO, sighting_make

JPEG = PHOTO  # the bytes a sighting's photos start with
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 128


def jpeg_upload(name: str = "scene.jpg", content: bytes = JPEG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def mp4_upload(name: str = "clip.mp4", content: bytes = MP4) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="video/mp4")


def make_sighting(order, camera, *, photos: bool = True) -> Sighting:
    """A sighting half an hour old, with photos: a footage window around it ends before now."""
    return sighting_make(order, camera, seen_ago=dt.timedelta(minutes=30), photos=photos)
