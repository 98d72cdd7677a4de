"""Server pages write times in Korea Standard Time and say so, like the dashboards' script does."""

from __future__ import annotations

import datetime as dt

import pytest

from sightings.models import WantedOrder
from tests.sightings.live.helpers import make_hit

pytestmark = pytest.mark.django_db


def test_the_order_page_labels_its_times_kst(client, officer, order, camera):
    # 00:30 UTC is 09:30 in Seoul.
    at = dt.datetime(2026, 3, 1, 0, 30, tzinfo=dt.UTC)
    WantedOrder.objects.filter(pk=order.pk).update(created_at=at)
    hit = make_hit(order, camera)
    type(hit).objects.filter(pk=hit.pk).update(seen_at=at)
    client.force_login(officer)
    html = client.get(f"/orders/{order.id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2026-03-01 09:30 KST" in html  # issued
    assert "2026-03-01 09:30:00 KST" in html  # the sighting
