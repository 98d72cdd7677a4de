"""Plate reads as integrations send them: parse a batch and check each read. Plain Python, no Django import.

This is the hot path of `POST /api/v1/reads/`: orjson and plain dict checks, because DRF serializers
validate about 40,000 reads/s and a batch endpoint must do far better (docs/PERFORMANCE.md). Each read
that passes becomes a `Read` tuple, the form the matching task receives (JSON-friendly, no images decoded).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import re
import uuid
from collections.abc import Mapping
from typing import Any, NamedTuple

import orjson

from sightings.plates import USE_SYLLABLES, PlateError, parse_plate, vehicle_type_for_class

JPEG_MAGIC = b"\xff\xd8\xff"
MAX_IMAGE_BYTES = 2 * 1024 * 1024
# A camera clock may run a little ahead; a read from further in the future is a wrong clock or a wrong offset.
# The API passes READS_MAX_FUTURE_SECONDS; these are the defaults for callers without settings (benchmarks).
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
# A live feed sends what it read minutes ago; a read older than the look-back horizon (READS_MAX_AGE_HOURS,
# lookback.MAX_RETENTION_HOURS by default) is a wrong clock or a replayed archive, not a sighting to act on.
MAX_AGE = dt.timedelta(hours=72)
# Real UTC offsets run from -12:00 to +14:00; PostgreSQL stores at most ±15:59.
MAX_UTC_OFFSET = dt.timedelta(hours=14)
IMAGE_FIELDS = ("plate_image", "vehicle_image")
MAX_CAMERA_CODE_LENGTH = 40  # Camera.code's length; anything longer cannot name a camera

# Fast paths for what nearly every integration sends: canonical UUIDs and already-canonical private plates.
# Anything else goes through the full parsers, so the answers are the same, only cheaper (docs/PERFORMANCE.md).
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CANONICAL_PLATE = re.compile(r"([0-9]{2,3})([가-힣])[0-9]{4}")


def _issued_classes() -> frozenset[str]:
    classes = set()
    for number in [f"{n:02d}" for n in range(100)] + [f"{n:03d}" for n in range(1000)]:
        try:
            vehicle_type_for_class(number)
        except PlateError:
            continue
        classes.add(number)
    return frozenset(classes)


_ISSUED_CLASSES = _issued_classes()


def plate_canonical(value: Any) -> str:
    """The canonical plate text, or PlateError; same answers as parse_plate(value).text, faster when canonical."""
    if type(value) is str:
        shape = _CANONICAL_PLATE.fullmatch(value)
        if shape and shape[1] in _ISSUED_CLASSES and shape[2] in USE_SYLLABLES:
            return value
    return parse_plate(value).text


def read_id_canonical(value: Any) -> str | None:
    """The UUID as lowercase hyphenated text, or None when it is not a UUID."""
    if type(value) is not str:
        return None
    if _CANONICAL_UUID.fullmatch(value):
        return value
    if len(value) > 45:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


class Read(NamedTuple):
    """One valid read: ids as text, the canonical plate, seen_at as sent (ISO 8601 with an offset)."""

    read_id: str
    camera_id: str
    plate: str
    seen_at: str
    confidence: float | None
    plate_image: str | None  # base64 JPEG, decoded only if the read hits
    vehicle_image: str | None


class BatchError(ValueError):
    """The batch as a whole cannot be read; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def batch_parse(body: bytes, *, max_reads: int) -> list[Any]:
    """The list of raw reads in a body `{"reads": [...]}`, or BatchError naming the field."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise BatchError("body", f"The body is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise BatchError("body", 'The body must be a JSON object {"reads": [...]}.')
    items = document.get("reads")
    if not isinstance(items, list):
        raise BatchError("reads", "This field is required and must be a list of reads.")
    if not items:
        raise BatchError("reads", "Send at least one read.")
    if len(items) > max_reads:
        raise BatchError("reads", f"At most {max_reads} reads per batch; this one has {len(items)}.")
    return items


def read_check(
    item: Any,
    *,
    cameras: Mapping[str, str],
    now: dt.datetime,
    max_age: dt.timedelta = MAX_AGE,
    max_future: dt.timedelta = MAX_CLOCK_SKEW,
) -> Read | dict[str, list[str]]:
    """A valid Read, or the errors by field name. `cameras` maps the sender's usable camera codes to ids.

    seen_at must lie between now - max_age and now + max_future: anything else is not a live read.
    """
    if type(item) is not dict:
        return {"non_field_errors": ["Each read must be a JSON object."]}
    errors: dict[str, list[str]] = {}

    read_id = read_id_canonical(item.get("read_id"))
    if read_id is None:
        errors["read_id"] = ["Must be a UUID."]

    code = item.get("camera")
    camera_id = cameras.get(code) if type(code) is str else None
    if camera_id is None:
        errors["camera"] = ["No active plate-reading camera of your municipality has this code."]

    try:
        plate = plate_canonical(item.get("plate"))
    except PlateError as error:
        errors["plate"] = [str(error)]

    seen_at = item.get("seen_at")
    problem = _seen_at_problem(seen_at, now, max_age, max_future)
    if problem:
        errors["seen_at"] = [problem]

    confidence = item.get("confidence")
    if confidence is not None and (
        type(confidence) not in (int, float) or not math.isfinite(confidence) or not 0 <= confidence <= 1
    ):
        errors["confidence"] = ["Must be a number from 0 to 1."]

    images = {}
    for field in IMAGE_FIELDS:
        value = item.get(field)
        if value is None or value == "":
            images[field] = None
            continue
        problem = _image_problem(value)
        if problem:
            errors[field] = [problem]
        images[field] = value

    if errors:
        return errors
    return Read(
        read_id,
        camera_id,
        plate,
        seen_at,
        None if confidence is None else float(confidence),
        images["plate_image"],
        images["vehicle_image"],
    )


def reads_encode(reads: list[Read]) -> str:
    """The reads as one JSON text, the form the matching task receives."""
    return orjson.dumps([tuple(read) for read in reads]).decode()


def seen_at_parse(value: str) -> dt.datetime:
    """The aware datetime of a checked seen_at, in UTC (the offset as sent is not kept; the instant is)."""
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC)


def image_decode(value: str) -> bytes:
    """The JPEG bytes of a checked base64 image."""
    return base64.b64decode(value, validate=True)


def _seen_at_problem(value: Any, now: dt.datetime, max_age: dt.timedelta, max_future: dt.timedelta) -> str | None:
    if type(value) is not str or len(value) > 40:
        return "Must be an ISO 8601 date and time with an offset, e.g. 2026-03-01T08:15:30+09:00."
    try:
        seen_at = dt.datetime.fromisoformat(value)
    except ValueError:
        return "Must be an ISO 8601 date and time with an offset, e.g. 2026-03-01T08:15:30+09:00."
    if seen_at.tzinfo is None or seen_at.utcoffset() is None:
        return "Needs a UTC offset (e.g. +09:00 or Z): a time without one is ambiguous."
    if abs(seen_at.utcoffset()) > MAX_UTC_OFFSET:
        return "Has a UTC offset beyond ±14:00, which no time zone uses."
    # Compared as offsets from now, never by arithmetic on seen_at itself: near year 1 or 9999 that overflows.
    if seen_at - now > max_future:
        return "Is in the future; check the camera's clock."
    if now - seen_at > max_age:
        hours = int(max_age.total_seconds() // 3600)
        return f"Is more than {hours} hours old: a live feed sends reads as they happen; check the camera's clock."
    return None


def _image_problem(value: Any) -> str | None:
    if type(value) is not str:
        return "Must be a base64-encoded JPEG."
    if len(value) > (MAX_IMAGE_BYTES * 4) // 3 + 4:
        return f"Is larger than {MAX_IMAGE_BYTES // 1024 // 1024} MB."
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return "Is not valid base64."
    if not data.startswith(JPEG_MAGIC):
        return "Is not a JPEG image."
    return None
