"""Order lifecycle: expiry on time, every change an event (the hotlist's version), closed orders stop matching."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from sightings.models import OrderEvent, WantedOrder
from sightings.orders import services as order_services
from sightings.orders.selectors import orders_matchable
from sightings.reads.matching import Hotlist, OrderSpec
from sightings.tasks import orders_expire
from tests.factories import order_issue_make


def hotlist_now(now: dt.datetime) -> Hotlist:
    specs = [OrderSpec(str(o.id), plate=o.plate or None, pattern=o.pattern or None) for o in orders_matchable(now=now)]
    return Hotlist.compile(specs, version=OrderEvent.objects.aggregate(v=Max("id"))["v"])


def version() -> int | None:
    return OrderEvent.objects.aggregate(v=Max("id"))["v"]


def issue(officer, **extra) -> WantedOrder:
    return order_issue_make(issued_by=officer, **{"crime": "murder", "case_number": "C-1", **extra})


@pytest.mark.django_db
def test_an_order_past_its_expiry_stops_matching_without_a_restart(officer):
    now = timezone.now()
    order = issue(officer, expires_at=now + dt.timedelta(hours=1))
    assert [hit.order_id for hit in hotlist_now(now).match("12가3456")] == [str(order.id)]
    # Before beat has run: the order is still 'active' in the table but no longer matchable.
    later = now + dt.timedelta(hours=1, seconds=1)
    assert WantedOrder.objects.get(pk=order.pk).status == WantedOrder.Status.ACTIVE
    assert hotlist_now(later).match("12가3456") == []


@pytest.mark.django_db
def test_beat_expires_due_orders_once_each_with_an_event_that_moves_the_hotlist_version(officer, order):
    due = issue(officer, plate="34나5678", expires_at=timezone.now() + dt.timedelta(minutes=11))
    before = version()
    assert order_services.orders_expire_due(now=timezone.now() + dt.timedelta(minutes=12)) == 1
    due.refresh_from_db()
    order.refresh_from_db()
    assert (due.status, order.status) == (WantedOrder.Status.EXPIRED, WantedOrder.Status.ACTIVE)
    assert due.closed_at is not None
    event = OrderEvent.objects.get(order=due, kind=OrderEvent.Kind.EXPIRED)
    assert event.actor is None and event.reason
    assert version() > before
    assert order_services.orders_expire_due(now=timezone.now() + dt.timedelta(minutes=12)) == 0


@pytest.mark.django_db
def test_the_beat_task_runs_the_expiry(officer):
    order = issue(officer)
    WantedOrder.objects.filter(pk=order.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert orders_expire.delay().get() == 1
    assert WantedOrder.objects.get(pk=order.pk).status == WantedOrder.Status.EXPIRED


def test_beat_schedules_order_expiry_and_the_look_back_maintenance():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"sightings.orders_expire", "sightings.lookback_maintain"} <= tasks
    assert settings.CELERY_BEAT_SCHEDULE["orders-expire"]["schedule"] <= 60


@pytest.mark.django_db
@pytest.mark.parametrize("close", [order_services.order_cancel, order_services.order_resolve])
def test_a_closed_order_stops_matching_at_once(officer, close):
    order = issue(officer)
    before = version()
    close(order=order, actor=officer, reason="done")
    assert version() > before
    assert hotlist_now(timezone.now()).match("12가3456") == []


@pytest.mark.django_db
def test_every_change_writes_one_event(officer):
    order = issue(officer)
    order_services.order_renew(order=order, actor=officer, reason="still fleeing")
    order_services.order_resolve(order=order, actor=officer, reason="arrested")
    kinds = list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))
    assert kinds == ["created", "renewed", "resolved"]


@pytest.mark.django_db
def test_an_expired_order_cannot_be_renewed(officer):
    order = issue(officer)
    WantedOrder.objects.filter(pk=order.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(order_services.OrderClosed):
        order_services.order_renew(order=order, actor=officer, reason="too late")


@pytest.mark.django_db
def test_the_ingest_worker_stops_matching_an_order_the_moment_it_expires(officer, camera):
    from unittest import mock

    from sightings.models import Sighting
    from sightings.reads.ingest import hotlist_current, reads_match
    from sightings.reads.parse import Read

    order = issue(officer, expires_at=timezone.now() + dt.timedelta(hours=1))

    def read(n: int) -> Read:
        seen_at = timezone.now().isoformat()
        return Read(f"00000000-0000-0000-0000-00000000000{n}", str(camera.id), "12가3456", seen_at, 0.9, None, None)

    reads_match(municipality_id=camera.municipality_id, received_at=timezone.now(), reads=[read(1)])
    assert Sighting.objects.filter(order=order).count() == 1
    compiled = hotlist_current()

    later = timezone.now() + dt.timedelta(hours=1, seconds=1)
    with mock.patch("sightings.reads.ingest.timezone.now", return_value=later):
        reads_match(municipality_id=camera.municipality_id, received_at=later, reads=[read(2)])
    assert Sighting.objects.filter(order=order).count() == 1
    assert hotlist_current() is compiled  # no event, no recompile, no restart: the expiry alone did it
