"""Building blocks for the reads tests: valid reads and a tiny JPEG."""

from __future__ import annotations

import base64
import datetime as dt
import uuid

from django.utils import timezone

# The smallest thing that starts like a JPEG and ends like one; enough for a magic-number check.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
JPEG_B64 = base64.b64encode(JPEG).decode()


def a_read(camera_code: str = "11380-C001", plate: str = "99가9999", **fields) -> dict:
    read = {
        "read_id": str(uuid.uuid4()),
        "camera": camera_code,
        "plate": plate,
        "seen_at": (timezone.now() - dt.timedelta(seconds=5)).isoformat(),
        "confidence": 0.93,
    }
    read.update(fields)
    return read
