"""The wanted orders API: purpose limitation, who may do what, and the lifecycle."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from audit.purposes import CRIME_CATEGORIES
from sightings.models import OrderEvent, WantedOrder
from sightings.orders.services import ORDER_DEFAULT_DURATION
from tests.factories import order_make, sighting_make
from tests.queries import access_log_queries

URL = "/api/v1/orders/"

ALLOWED_PAIRS = [(slug, basis) for slug, category in CRIME_CATEGORIES.items() for basis in sorted(category.bases)]


def order_body(**overrides):
    body = {
        "plate": "12가3456",
        "crime": "robbery",
        "legal_basis": "18-2-7",
        "case_number": "2026-SEOUL-0042",
        "vehicle": {"make": "Hyundai", "model": "Sonata", "colour": "white"},
        "priority": "high",
    }
    body.update(overrides)
    return body


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def assert_refused(response, field):
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert not WantedOrder.objects.exists()
    assert not OrderEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("crime", "basis"), ALLOWED_PAIRS)
def test_it_accepts_every_allowed_category_and_basis(client, officer, crime, basis):
    client.force_login(officer)
    response = post(
        client, URL, order_body(crime=crime, legal_basis=basis, urgency_confirmed_by="경감 김민수 (112 상황팀장)")
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["crime"], data["legal_basis"], data["status"]) == (crime, basis, "active")
    order = WantedOrder.objects.get()
    assert order.agency == officer.agency and order.issued_by == officer


@pytest.mark.django_db
def test_it_refuses_a_basis_the_category_does_not_allow(client, officer):
    client.force_login(officer)
    response = post(client, URL, order_body(crime="murder", legal_basis="18-2-10"))
    assert_refused(response, "legal_basis")
    message = response.json()["errors"]["legal_basis"][0]
    assert "18-2-10" in message and "18-2-7" in message


@pytest.mark.django_db
def test_it_refuses_an_unknown_category(client, officer):
    client.force_login(officer)
    response = post(client, URL, order_body(crime="littering"))
    assert_refused(response, "crime")
    assert "not on the list" in response.json()["errors"]["crime"][0]


@pytest.mark.django_db
def test_it_refuses_an_order_for_a_parking_offence(client, officer):
    client.force_login(officer)
    response = post(client, URL, order_body(crime="parking", legal_basis="18-2-7"))
    assert_refused(response, "crime")
    assert "parking offence" in response.json()["errors"]["crime"][0]


@pytest.mark.django_db
def test_it_refuses_an_unknown_legal_basis(client, officer):
    client.force_login(officer)
    assert_refused(post(client, URL, order_body(legal_basis="18-2-1")), "legal_basis")


@pytest.mark.django_db
def test_it_requires_a_case_number_under_18_2_7(client, officer):
    client.force_login(officer)
    response = post(client, URL, order_body(case_number="  "))
    assert_refused(response, "case_number")


@pytest.mark.django_db
def test_it_records_who_confirmed_an_urgent_danger_to_life(client, officer):
    client.force_login(officer)
    body = order_body(crime="missing-dementia", legal_basis="18-2-3", case_number="", priority="urgent")
    assert_refused(post(client, URL, body), "urgency_confirmed_by")

    response = post(client, URL, {**body, "urgency_confirmed_by": "경감 김민수"})
    assert response.status_code == 201, response.content
    assert WantedOrder.objects.get().urgency_confirmed_by == "경감 김민수"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"plate": "not a plate"}, "plate"),
        ({"plate": "00가1234"}, "plate"),
        ({"plate": "", "pattern": "12가****"}, "pattern"),
        ({"pattern": "12가34**"}, "plate"),
        ({"plate": ""}, "plate"),
        ({"priority": "whenever"}, "priority"),
        ({"vehicle": ["white"]}, "vehicle"),
        ({"vehicle": {"wheels": "4"}}, "vehicle"),
        ({"expires_at": "2020-01-01T00:00:00+09:00"}, "expires_at"),
        ({"expires_at": "tomorrow"}, "expires_at"),
        ({"case_number": "x" * 41}, "case_number"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(client, officer, overrides, field):
    client.force_login(officer)
    assert_refused(post(client, URL, order_body(**overrides)), field)


@pytest.mark.django_db
def test_it_refuses_an_expiry_beyond_the_maximum(client, officer):
    client.force_login(officer)
    far = (timezone.now() + dt.timedelta(days=31)).isoformat()
    response = post(client, URL, order_body(expires_at=far))
    assert_refused(response, "expires_at")
    assert "30 days" in response.json()["errors"]["expires_at"][0]


@pytest.mark.django_db
def test_it_normalises_the_plate_defaults_the_expiry_and_writes_a_created_event(client, officer):
    client.force_login(officer)
    before = timezone.now()
    response = post(client, URL, order_body(plate=" 12 가 3456 "))
    assert response.status_code == 201
    order = WantedOrder.objects.get()
    assert order.plate == "12가3456"
    assert before + ORDER_DEFAULT_DURATION <= order.expires_at <= timezone.now() + ORDER_DEFAULT_DURATION
    assert [(e["kind"], e["actor"]) for e in response.json()["events"]] == [("created", "officer")]


@pytest.mark.django_db
def test_it_accepts_a_partial_plate_pattern(client, officer):
    client.force_login(officer)
    response = post(client, URL, order_body(plate="", pattern="12가34??"))
    assert response.status_code == 201, response.content
    assert response.json()["pattern"] == "12가34**"


@pytest.mark.django_db
@pytest.mark.parametrize("role_user", ["operator", "auditor", "admin_user"])
def test_operators_auditors_and_admins_cannot_create_or_list_orders(client, request, role_user):
    client.force_login(request.getfixturevalue(role_user))
    assert post(client, URL, order_body()).status_code == 403
    assert client.get(URL).status_code == 403
    assert not WantedOrder.objects.exists()


@pytest.mark.django_db
def test_it_requires_login(client):
    assert post(client, URL, order_body()).status_code in (401, 403)


@pytest.mark.django_db
def test_it_lists_every_agencys_orders_with_a_fixed_number_of_queries(
    client, officer, other_officer, camera, django_assert_num_queries
):

    now = timezone.now()
    for n in range(6):
        issuer = officer if n % 2 else other_officer
        order = order_make(
            issued_by=issuer,
            plate=f"1{n}가345{n}",
            crime="murder",
            case_number=f"C-{n}",
            expires_at=now + dt.timedelta(days=1),
        )
        sighting_make(order, camera, read_id=f"00000000-0000-0000-0000-00000000000{n}", seen_at=now)
    client.force_login(officer)
    # session, user, orders with their counts, and the session saved on every request (savepoint, update)
    with django_assert_num_queries(6 + access_log_queries()):
        response = client.get(URL)
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 6 and all(r["sighting_count"] == 1 for r in results)
    mine = client.get(URL, {"mine": "true"}).json()["results"]
    assert {r["agency"] for r in mine} == {officer.agency.code}
    assert client.get(URL, {"status": "nonsense"}).status_code == 400


@pytest.mark.django_db
def test_an_officer_of_another_agency_can_view_but_not_cancel_resolve_or_renew(client, order, other_officer):
    client.force_login(other_officer)
    assert client.get(f"{URL}{order.id}/").status_code == 200
    for action in ("cancel", "resolve", "renew"):
        response = post(client, f"{URL}{order.id}/{action}/", {"reason": "not mine"})
        assert response.status_code == 403, action
    order.refresh_from_db()
    assert order.status == WantedOrder.Status.ACTIVE
    assert not OrderEvent.objects.filter(order=order).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role_user", ["operator", "auditor"])
def test_other_roles_cannot_view_or_change_an_order(client, request, order, role_user):
    client.force_login(request.getfixturevalue(role_user))
    assert client.get(f"{URL}{order.id}/").status_code == 403
    assert post(client, f"{URL}{order.id}/cancel/", {"reason": "x"}).status_code == 403


@pytest.mark.django_db
def test_an_unknown_order_is_404(client, officer):
    client.force_login(officer)
    assert client.get(f"{URL}00000000-0000-0000-0000-000000000000/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "status"), [("cancel", "cancelled"), ("resolve", "resolved")])
def test_the_issuing_agency_closes_an_order_with_a_reason(client, officer, order, action, status):
    client.force_login(officer)
    assert_no_change = post(client, f"{URL}{order.id}/{action}/", {"reason": " "})
    assert assert_no_change.status_code == 400 and "reason" in assert_no_change.json()["errors"]

    response = post(client, f"{URL}{order.id}/{action}/", {"reason": "차량 발견, 피의자 검거"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == status
    order.refresh_from_db()
    assert order.status == status and order.closed_at is not None
    event = OrderEvent.objects.get(order=order)
    assert (event.kind, event.actor, event.reason) == (status, officer, "차량 발견, 피의자 검거")

    again = post(client, f"{URL}{order.id}/{action}/", {"reason": "again"})
    assert again.status_code == 409
    assert OrderEvent.objects.filter(order=order).count() == 1


@pytest.mark.django_db
def test_renewal_needs_a_fresh_reason_and_moves_the_expiry(client, officer, order):
    client.force_login(officer)
    old_expiry = order.expires_at
    refused = post(client, f"{URL}{order.id}/renew/", {"reason": ""})
    assert refused.status_code == 400 and "reason" in refused.json()["errors"]
    order.refresh_from_db()
    assert order.expires_at == old_expiry and not OrderEvent.objects.exists()

    new_expiry = timezone.now() + dt.timedelta(days=20)
    response = post(
        client, f"{URL}{order.id}/renew/", {"reason": "용의자 도주 중", "expires_at": new_expiry.isoformat()}
    )
    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert order.expires_at == new_expiry
    assert OrderEvent.objects.get(order=order).kind == OrderEvent.Kind.RENEWED

    too_far = post(
        client,
        f"{URL}{order.id}/renew/",
        {"reason": "again", "expires_at": (timezone.now() + dt.timedelta(days=40)).isoformat()},
    )
    assert too_far.status_code == 400 and "expires_at" in too_far.json()["errors"]
