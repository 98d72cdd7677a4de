"""Patrol units for the unit tests: 은평12 of the officer's agency near the camera, its terminal and its key."""

from __future__ import annotations

import pytest

from accounts.models import User
from sightings.models import PatrolUnit, Sighting
from tests.conftest import _make_user
from tests.factories import unit_key_make, unit_make
from tests.sightings.live.helpers import make_hit


@pytest.fixture
def hit(order, camera) -> Sighting:
    return make_hit(order, camera)


@pytest.fixture
def unit(agency) -> PatrolUnit:
    """Available, a few hundred metres from the `camera` fixture (37.62, 126.93)."""
    return unit_make(agency=agency, call_sign="은평12", lat=37.623, lon=126.931)


@pytest.fixture
def terminal(agency) -> User:
    """The in-car terminal's account: an officer of the unit's agency who signs in with keys only."""
    user = _make_user("terminal-eunpyeong12", role=User.Role.OFFICER, agency=agency)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def unit_key(unit, terminal) -> str:
    return unit_key_make(unit=unit, user=terminal)


@pytest.fixture
def other_unit(agency) -> PatrolUnit:
    return unit_make(agency=agency, call_sign="은평13", lat=37.64, lon=126.92)


@pytest.fixture
def foreign_unit(other_agency) -> PatrolUnit:
    """A unit of another agency, closer to the camera than any of ours."""
    return unit_make(agency=other_agency, call_sign="고양7", lat=37.6205, lon=126.9302)


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
