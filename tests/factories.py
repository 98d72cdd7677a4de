"""Builders for the objects tests need, made the way the product makes them; defaults are the common case.

`order_make` stores an order directly (no order event, no ledger entry), for tests of what happens once it
exists; `order_issue_make` issues it through the service, for tests that rely on its event and the hotlist.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.services import api_key_create
from sightings.models import Camera, FootageRequest, Municipality, PatrolUnit, Sighting, WantedOrder
from sightings.orders.services import order_create
from sightings.orders.summaries import order_sightings_tally

# The smallest thing that starts like a JPEG and ends like one; enough for a magic-number check.
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"


def order_make(
    *,
    issued_by: Any,
    plate: str = "12가3456",
    crime: str = "robbery",
    legal_basis: str = "18-2-7",
    case_number: str = "2026-TEST-0001",
    expires_in: dt.timedelta = dt.timedelta(days=3),
    **fields: Any,
) -> WantedOrder:
    """An order stored directly for the issuing officer's agency."""
    values: dict[str, Any] = {
        "plate": plate,
        "crime": crime,
        "legal_basis": legal_basis,
        "case_number": case_number,
        "issued_by": issued_by,
        "agency": issued_by.agency,
        "expires_at": timezone.now() + expires_in,
    }
    values.update(fields)
    return WantedOrder.objects.create(**values)


def order_issue_make(
    *,
    issued_by: Any,
    plate: str = "12가3456",
    crime: str = "robbery",
    legal_basis: str = "18-2-7",
    case_number: str = "2026-TEST-0001",
    **fields: Any,
) -> WantedOrder:
    """An order issued through the service: with its order event, so the hotlist and the ledger see it."""
    return order_create(
        issued_by=issued_by, plate=plate, crime=crime, legal_basis=legal_basis, case_number=case_number, **fields
    )


def camera_make(
    *,
    municipality: Municipality,
    code: str = "11380-C001",
    name: str = "은평구 통일로 교차로",
    lat: float = 37.62,
    lon: float = 126.93,
    **fields: Any,
) -> Camera:
    return Camera.objects.create(municipality=municipality, code=code, name=name, lat=lat, lon=lon, **fields)


def sighting_make(
    order: WantedOrder,
    camera: Camera,
    *,
    seen_ago: dt.timedelta = dt.timedelta(seconds=5),
    photos: bool = False,
    **fields: Any,
) -> Sighting:
    """A sighting stored directly (not delivered: no ledger entry, no announcement) of an exact read."""
    values: dict[str, Any] = {
        "order": order,
        "camera": camera,
        "read_id": uuid.uuid4(),
        "plate": order.plate or "12가3456",
        "match_kind": Sighting.MatchKind.EXACT,
        "score": 1.0,
        "seen_at": timezone.now() - seen_ago,
    }
    values.update(fields)
    sighting = Sighting(**values)
    if photos:
        sighting.plate_image.save("plate.jpg", ContentFile(PHOTO + b"plate"), save=False)
        sighting.vehicle_image.save("vehicle.jpg", ContentFile(PHOTO + b"vehicle"), save=False)
    sighting.save()
    order_sightings_tally([sighting])  # the order's maintained count, as a delivery keeps it
    return sighting


def footage_request_make(
    *, order: WantedOrder, camera: Camera, requested_by: Any, sighting: Sighting | None = None, **fields: Any
) -> FootageRequest:
    """A pending request stored directly, for tests of what happens after it was made."""
    now = timezone.now()
    values: dict[str, Any] = {
        "order": order,
        "sighting": sighting,
        "camera": camera,
        "municipality": camera.municipality,
        "window_start": now - dt.timedelta(hours=1),
        "window_end": now - dt.timedelta(minutes=30),
        "purpose": "Escape route of the robbery suspect",
        "legal_basis": "18-2-7",
        "case_number": order.case_number,
        "urgent": False,
        "requested_by": requested_by,
        "agency_id": requested_by.agency_id,
    }
    values.update(fields)
    return FootageRequest.objects.create(**values)


def integration_key_make(*, municipality: Municipality, name: str = "centre platform") -> str:
    """The raw key of a municipality's integration platform (shown once, as the product shows it)."""
    return api_key_create(name=name, municipality=municipality)[1]


def unit_make(
    *,
    agency: Any,
    call_sign: str = "은평12",
    status: str = PatrolUnit.Status.AVAILABLE,
    lat: float | None = 37.625,
    lon: float | None = 126.93,
    position_age: dt.timedelta = dt.timedelta(seconds=30),
    **fields: Any,
) -> PatrolUnit:
    """A patrol unit of the agency that reported its position `position_age` ago (no position when lat is None)."""
    at = timezone.now() - position_age if lat is not None else None
    return PatrolUnit.objects.create(
        agency=agency, call_sign=call_sign, status=status, lat=lat, lon=lon, position_at=at, **fields
    )


def unit_key_make(*, unit: PatrolUnit, user: Any) -> str:
    """The raw key of the unit's terminal, made for an officer of the unit's agency."""
    return api_key_create(name=f"{unit.call_sign} terminal", user=user, unit=unit)[1]
