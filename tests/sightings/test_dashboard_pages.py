"""The dashboards' first paint: which hits and cameras each person's page carries, at a fixed query cost."""

from __future__ import annotations

import json
import re

from django.db import connection
from django.urls import reverse

from sightings.models import WantedOrder
from tests.queries import access_log_queries
from tests.sightings.live.helpers import make_hit, make_order

# On PostgreSQL the ids of the latest hits and of their trails' points are read first (hits.selectors._ids_read).
QUERIES = 8 + 2 * (connection.vendor == "postgresql")


def dashboard_data(response) -> dict:
    match = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', response.content.decode())
    assert match, "the page carries no dashboard data"
    return json.loads(match.group(1))


def test_an_officer_lands_on_the_live_dashboard_with_the_latest_hits(client, officer, order, camera, other_camera):
    hits = [make_hit(order, camera), make_hit(order, other_camera)]
    client.force_login(officer)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    data = dashboard_data(response)
    assert {hit["id"] for hit in data["hits"]} == {str(hit.id) for hit in hits}
    assert data["may_act"] is True
    assert sorted(data["trails"][str(order.id)]) == sorted(
        [[camera.lat, camera.lon], [other_camera.lat, other_camera.lon]]
    )
    assert data["cameras"] == []
    assert b'src="/static/js/dashboard.js"' in response.content


def test_the_officer_page_leaves_out_hits_of_closed_orders(client, officer, other_officer, order, camera):
    make_hit(order, camera)
    WantedOrder.objects.filter(pk=order.pk).update(status=WantedOrder.Status.CANCELLED)
    client.force_login(other_officer)
    assert dashboard_data(client.get(reverse("home")))["hits"] == []


def test_an_operator_page_carries_only_its_municipality(client, operator, order, camera, other_camera):
    own = make_hit(order, camera)
    make_hit(order, other_camera)
    client.force_login(operator)
    data = dashboard_data(client.get(reverse("home")))
    assert [hit["id"] for hit in data["hits"]] == [str(own.id)]
    assert [c["code"] for c in data["cameras"]] == [camera.code]
    assert data["may_act"] is False


def test_the_dashboard_costs_a_fixed_number_of_queries(client, officer, order, camera, django_assert_num_queries):
    client.force_login(officer)
    client.get(reverse("home"))
    second_order = make_order(officer)
    for _ in range(10):
        make_hit(order, camera)
        make_hit(second_order, camera)
    # session, user, the person's second-factor devices, the latest hits' ids and then the hits with their orders,
    # cameras and people, their trails' points' ids and then the points, and saving the session (savepoint,
    # update, release)
    with django_assert_num_queries(QUERIES + access_log_queries()):
        response = client.get(reverse("home"))
    assert len(dashboard_data(response)["hits"]) == 20
