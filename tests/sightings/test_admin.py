"""Django's admin over the sightings app: evidence is view-only, orders go through the officers' services."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLogEntry, DisclosureEntry
from sightings.models import FootageRequest, OrderEvent, Sighting, WantedOrder
from tests.admin_helpers import form_data, inline_management
from tests.factories import sighting_make


def test_a_superuser_cannot_change_a_sightings_plate(client, admin_user, order, camera):
    sighting = sighting_make(order, camera)
    client.force_login(admin_user)
    url = reverse("admin:sightings_sighting_change", args=[sighting.pk])
    response = client.post(url, form_data(sighting, plate="99가9999"))
    assert response.status_code == 403
    sighting.refresh_from_db()
    assert sighting.plate == "12가3456"
    entry = AccessLogEntry.objects.order_by("-sequence").first()
    assert (entry.actor, entry.action, entry.object_type, entry.object_id, entry.outcome) == (
        admin_user,
        "admin-change",
        "sighting",
        str(sighting.pk),
        "denied",
    )


def test_a_superuser_sees_a_sighting_read_only(client, admin_user, order, camera):
    sighting = sighting_make(order, camera)
    client.force_login(admin_user)
    page = client.get(reverse("admin:sightings_sighting_change", args=[sighting.pk])).content.decode()
    assert "12가3456" in page and 'name="plate"' not in page and 'name="_save"' not in page


def test_sightings_cannot_be_deleted_one_by_one_or_in_bulk(client, admin_user, order, camera):
    sighting = sighting_make(order, camera)
    client.force_login(admin_user)
    delete_url = reverse("admin:sightings_sighting_delete", args=[sighting.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    client.post(
        reverse("admin:sightings_sighting_changelist"),
        {"action": "delete_selected", "index": "0", "_selected_action": [str(sighting.pk)], "post": "yes"},
    )
    assert Sighting.objects.filter(pk=sighting.pk).exists()


def test_no_order_is_created_in_the_admin(client, admin_user, officer):
    # Robbery under 18(2)10 is refused by the officers' form and the API (audit/purposes.py).
    unsaved = WantedOrder(
        plate="34나5678",
        crime="robbery",
        legal_basis="18-2-10",
        case_number="2026-ADMIN-1",
        issued_by=officer,
        agency=officer.agency,
        expires_at=timezone.now() + dt.timedelta(days=3),
    )
    client.force_login(admin_user)
    data = {**form_data(unsaved), **inline_management("events")}
    assert client.post(reverse("admin:sightings_wantedorder_add"), data).status_code == 403
    assert not WantedOrder.objects.filter(plate="34나5678").exists()


def test_no_order_is_changed_in_the_admin(client, admin_user, order):
    client.force_login(admin_user)
    data = {**form_data(order, legal_basis="18-2-10", status="resolved"), **inline_management("events")}
    assert client.post(reverse("admin:sightings_wantedorder_change", args=[order.pk]), data).status_code == 403
    order.refresh_from_db()
    assert (order.legal_basis, order.status) == ("18-2-7", "active")
    assert not OrderEvent.objects.filter(order=order).exists()


def test_an_order_in_the_admin_links_to_the_officers_order_page(client, admin_user, order):
    client.force_login(admin_user)
    page = client.get(reverse("admin:sightings_wantedorder_change", args=[order.pk])).content.decode()
    assert reverse("sightings:order-detail", kwargs={"order_id": order.pk}) in page


def test_evidence_is_view_only_for_a_superuser(rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user
    for model in (Sighting, WantedOrder, FootageRequest, DisclosureEntry, AccessLogEntry):
        model_admin = admin.site._registry[model]
        assert model_admin.has_view_permission(request), model
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model
        assert "delete_selected" not in model_admin.get_actions(request), model
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_add_permission(request, None), (model, inline)
            assert not inline.has_change_permission(request), (model, inline)
            assert not inline.has_delete_permission(request), (model, inline)
