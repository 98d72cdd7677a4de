"""A plate already searched for by an active order is not searched for twice by accident: the second order is
refused, naming the order that covers the plate, unless the officer says it is for a separate case."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sightings.models import WantedOrder
from tests.factories import order_issue_make

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders/"


def body(**fields) -> dict:
    return {"plate": "12가3456", "crime": "robbery", "legal_basis": "18-2-7", "case_number": "2026-TEST-0001", **fields}


def post(client, **fields):
    return client.post(URL, body(**fields), content_type="application/json")


def test_the_api_refuses_a_second_order_for_the_plate_naming_the_first(client, officer):
    first = order_issue_make(issued_by=officer)
    client.force_login(officer)
    response = post(client)
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert "12가3456" in detail and f"/api/v1/orders/{first.id}/" in detail
    assert WantedOrder.objects.count() == 1


def test_another_agency_is_told_too_the_search_is_national(client, officer, other_officer):
    first = order_issue_make(issued_by=officer)
    client.force_login(other_officer)
    response = post(client, case_number="GG-2026-77")
    assert response.status_code == 409 and str(first.id) in response.json()["detail"]


def test_a_separate_case_is_allowed_under_its_own_case_number(client, officer, other_officer):
    order_issue_make(issued_by=officer)
    client.force_login(other_officer)
    assert post(client, case_number="GG-2026-77", separate_case=True).status_code == 201
    assert WantedOrder.objects.active().filter(plate="12가3456").count() == 2


@pytest.mark.parametrize("case_number", ["2026-TEST-0001", ""])
def test_the_same_case_or_no_case_is_never_a_separate_case(client, officer, case_number):
    order_issue_make(issued_by=officer)
    client.force_login(officer)
    response = post(
        client,
        case_number=case_number,
        separate_case=True,
        crime="kidnapping",
        legal_basis="18-2-3",
        urgency_confirmed_by="상황팀장",
    )
    assert response.status_code in (400, 409)
    assert WantedOrder.objects.count() == 1


def test_a_closed_order_does_not_block_a_new_one(client, officer):
    first = order_issue_make(issued_by=officer)
    WantedOrder.objects.filter(pk=first.pk).update(status=WantedOrder.Status.RESOLVED)
    client.force_login(officer)
    assert post(client).status_code == 201


def test_a_pattern_is_refused_the_same_way(client, officer):
    order_issue_make(issued_by=officer, plate="", pattern="45누71**")
    client.force_login(officer)
    assert post(client, plate="", pattern="45누71**").status_code == 409


def test_the_page_refuses_with_a_link_to_the_existing_order(client, officer):
    first = order_issue_make(issued_by=officer)
    client.force_login(officer)
    form = {"plate": "12가3456", "crime": "robbery", "legal_basis": "18-2-7", "case_number": "X-2", "priority": "high"}
    response = client.post(reverse("sightings:order-new"), form)
    assert response.status_code == 409
    page = response.content.decode()
    assert 'data-testid="duplicate-order"' in page and 'data-testid="error-plate"' in page
    assert reverse("sightings:order-detail", args=[first.id]) in page
    confirmed = client.post(reverse("sightings:order-new"), {**form, "separate_case": "on"})
    assert confirmed.status_code == 302
    assert WantedOrder.objects.filter(plate="12가3456", case_number="X-2").exists()
