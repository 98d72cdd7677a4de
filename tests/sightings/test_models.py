"""The database itself holds the rules that must never bend."""

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from sightings.models import Sighting, WantedOrder
from tests.factories import order_make, sighting_make


def test_it_refuses_a_second_sighting_of_one_read_for_one_order(order, camera):
    read_id = uuid.uuid4()
    sighting_make(order, camera, read_id=read_id, seen_ago=dt.timedelta(0))
    with pytest.raises(IntegrityError), transaction.atomic():
        sighting_make(order, camera, read_id=read_id, seen_ago=dt.timedelta(0))
    assert Sighting.objects.count() == 1


def test_one_read_may_match_two_orders(order, camera, officer):
    second = order_make(
        issued_by=officer,
        plate="",
        pattern="12가34**",
        crime="murder",
        case_number="2026-TEST-0002",
        expires_at=order.expires_at,
    )
    read_id = uuid.uuid4()
    sighting_make(order, camera, read_id=read_id, seen_ago=dt.timedelta(0))
    sighting_make(second, camera, read_id=read_id, seen_ago=dt.timedelta(0))
    assert Sighting.objects.filter(read_id=read_id).count() == 2


def test_one_read_id_from_two_cameras_gives_two_sightings_of_one_order(order, camera, other_camera):
    # Read ids are chosen by each centre: another municipality's read may carry the same id.
    read_id = uuid.uuid4()
    sighting_make(order, camera, read_id=read_id, seen_ago=dt.timedelta(0))
    sighting_make(order, other_camera, read_id=read_id, seen_ago=dt.timedelta(0))
    assert Sighting.objects.filter(read_id=read_id, order=order).count() == 2


def test_active_orders_are_those_with_status_active_and_not_past_their_expiry(order, officer):
    now = timezone.now()
    past_expiry = order_make(
        issued_by=officer, plate="34나5678", case_number="", expires_at=now - dt.timedelta(minutes=1)
    )
    cancelled = order_make(
        issued_by=officer,
        plate="56다7890",
        case_number="",
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
        order_make(issued_by=officer, plate=plate, pattern=pattern, case_number="", expires_in=dt.timedelta(0))
    assert not WantedOrder.objects.exists()


def test_an_officer_needs_an_agency(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="lost", role=User.Role.OFFICER)


def test_an_operator_needs_a_municipality(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="lost", role=User.Role.OPERATOR)
