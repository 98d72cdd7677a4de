"""The database itself holds the rules that must never bend."""

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from sightings.models import Sighting, WantedOrder


def _sighting(order, camera, read_id):
    return Sighting.objects.create(
        order=order,
        camera=camera,
        read_id=read_id,
        plate=order.plate,
        match_kind=Sighting.MatchKind.EXACT,
        score=1.0,
        seen_at=timezone.now(),
    )


def test_it_refuses_a_second_sighting_of_one_read_for_one_order(order, camera):
    read_id = uuid.uuid4()
    _sighting(order, camera, read_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        _sighting(order, camera, read_id)
    assert Sighting.objects.count() == 1


def test_one_read_may_match_two_orders(order, camera, officer):
    second = WantedOrder.objects.create(
        pattern="12가34**",
        crime="murder",
        legal_basis="18-2-7",
        case_number="2026-TEST-0002",
        issued_by=officer,
        agency=officer.agency,
        expires_at=order.expires_at,
    )
    read_id = uuid.uuid4()
    _sighting(order, camera, read_id)
    _sighting(second, camera, read_id)
    assert Sighting.objects.filter(read_id=read_id).count() == 2


def test_one_read_id_from_two_cameras_gives_two_sightings_of_one_order(order, camera, other_camera):
    # Read ids are chosen by each centre: another municipality's read may carry the same id.
    read_id = uuid.uuid4()
    _sighting(order, camera, read_id)
    _sighting(order, other_camera, read_id)
    assert Sighting.objects.filter(read_id=read_id, order=order).count() == 2


def test_active_orders_are_those_with_status_active_and_not_past_their_expiry(order, officer):
    now = timezone.now()
    past_expiry = WantedOrder.objects.create(
        plate="34나5678",
        crime="robbery",
        legal_basis="18-2-7",
        issued_by=officer,
        agency=officer.agency,
        expires_at=now - dt.timedelta(minutes=1),
    )
    cancelled = WantedOrder.objects.create(
        plate="56다7890",
        crime="robbery",
        legal_basis="18-2-7",
        issued_by=officer,
        agency=officer.agency,
        status=WantedOrder.Status.CANCELLED,
        expires_at=order.expires_at,
    )
    assert list(WantedOrder.objects.active()) == [order]
    assert [o.is_active for o in (order, past_expiry, cancelled)] == [True, False, False]
    # The same rule at a later moment: an order is no longer active from its expiry on.
    assert list(WantedOrder.objects.active(now=order.expires_at)) == []


@pytest.mark.parametrize(("plate", "pattern"), [("", ""), ("12가3456", "12가34**")])
def test_an_order_needs_exactly_one_of_plate_and_pattern(officer, plate, pattern):
    with pytest.raises(IntegrityError), transaction.atomic():
        WantedOrder.objects.create(
            plate=plate,
            pattern=pattern,
            crime="robbery",
            legal_basis="18-2-7",
            issued_by=officer,
            agency=officer.agency,
            expires_at=timezone.now(),
        )
    assert not WantedOrder.objects.exists()


def test_an_officer_needs_an_agency(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="lost", role=User.Role.OFFICER)


def test_an_operator_needs_a_municipality(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="lost", role=User.Role.OPERATOR)
