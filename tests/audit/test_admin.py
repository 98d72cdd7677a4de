"""The ledger and the access log in Django's admin: listed and viewed, never written, and the viewing logged."""

from __future__ import annotations

from django.urls import reverse

from audit.models import AccessLogEntry, DisclosureEntry
from tests.audit.test_ledger import locations_record
from tests.factories import sighting_make


def test_the_ledger_lists_read_only_in_the_admin(client, admin_user, order, camera):
    entries = locations_record(sightings=[sighting_make(order, camera), sighting_make(order, camera)])
    client.force_login(admin_user)
    response = client.get(reverse("admin:audit_disclosureentry_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert order.case_number in page
    assert reverse("admin:audit_disclosureentry_add") not in page
    assert 'value="delete_selected"' not in page
    entry = AccessLogEntry.objects.order_by("-sequence").first()
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (
        admin_user,
        "admin-list",
        "disclosureentry",
        "2 shown",
    )
    detail = client.get(reverse("admin:audit_disclosureentry_change", args=[entries[0].pk])).content.decode()
    assert entries[0].entry_hash in detail and 'name="_save"' not in detail


def test_ledger_entries_cannot_be_added_changed_or_deleted_in_the_admin(client, admin_user, order, camera):
    (entry,) = locations_record(sightings=[sighting_make(order, camera)])
    client.force_login(admin_user)
    assert client.get(reverse("admin:audit_disclosureentry_add")).status_code == 403
    change = reverse("admin:audit_disclosureentry_change", args=[entry.pk])
    assert client.post(change, {"case_number": "rewritten"}).status_code == 403
    delete = reverse("admin:audit_disclosureentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.case_number == order.case_number


def test_the_access_log_and_its_companions_list_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    for model in ("accesslogentry", "accesstally", "ledgercorrection", "chainheadstatement"):
        assert client.get(reverse(f"admin:audit_{model}_changelist")).status_code == 200, model
        assert client.get(reverse(f"admin:audit_{model}_add")).status_code == 403, model
    assert DisclosureEntry.objects.count() == 0
