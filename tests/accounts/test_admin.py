"""Django's admin: every request recorded, keys revocable but never revived or re-scoped."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiKey, ApiKeyChangeRefused
from accounts.services import api_key_create, api_key_revoke
from audit.models import AccessLogEntry
from tests.admin_helpers import form_data
from tests.sightings.reads.helpers import a_read


@pytest.fixture
def revoked_key(municipality, camera) -> tuple[ApiKey, str]:
    api_key, raw = api_key_create(name="centre platform", municipality=municipality)
    api_key_revoke(api_key=api_key)
    return api_key, raw


def post_reads(raw: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client.post("/api/v1/reads/", data=json.dumps({"reads": [a_read()]}), content_type="application/json")


def change_url(api_key: ApiKey) -> str:
    return reverse("admin:accounts_apikey_change", args=[api_key.pk])


def latest_entry() -> AccessLogEntry:
    return AccessLogEntry.objects.order_by("-sequence").first()


@pytest.mark.parametrize(
    ("url_name", "with_key", "action", "object_type", "object_id"),
    [
        ("admin:index", False, "admin-index", "admin", "index"),
        ("admin:accounts_apikey_changelist", False, "admin-list", "apikey", "1 shown"),
        ("admin:accounts_apikey_change", True, "admin-view", "apikey", "key"),
        ("admin:accounts_apikey_history", True, "admin-history", "apikey", "key"),
        ("admin:accounts_user_changelist", False, "admin-list", "user", "1 shown"),
    ],
)
def test_every_admin_page_leaves_exactly_one_access_log_entry(
    client, admin_user, revoked_key, url_name, with_key, action, object_type, object_id
):
    api_key, _ = revoked_key
    client.force_login(admin_user)
    before = AccessLogEntry.objects.count()
    response = client.get(reverse(url_name, args=[api_key.pk] if with_key else []))
    assert response.status_code == 200
    assert AccessLogEntry.objects.count() == before + 1
    entry = latest_entry()
    assert (entry.actor, entry.action, entry.object_type, entry.outcome) == (admin_user, action, object_type, "allowed")
    assert entry.object_id == (str(api_key.pk) if object_id == "key" else object_id)


def test_an_app_page_entry_names_the_app(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin:app_list", args=["accounts"])).status_code == 200
    entry = latest_entry()
    assert (entry.action, entry.object_type, entry.object_id) == ("admin-app-index", "admin", "accounts")


def test_a_listing_entry_says_how_many_rows_were_shown(client, admin_user, municipality, officer):
    for label in ("one", "two", "three"):
        api_key_create(name=label, municipality=municipality)
    client.force_login(admin_user)
    client.get(reverse("admin:accounts_apikey_changelist"))
    assert latest_entry().object_id == "3 shown"


def test_a_person_who_is_not_staff_is_refused_and_the_refusal_recorded(client, officer):
    client.force_login(officer)
    before = AccessLogEntry.objects.count()
    response = client.get(reverse("admin:accounts_apikey_changelist"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert AccessLogEntry.objects.count() == before + 1
    entry = latest_entry()
    assert (entry.actor, entry.object_type, entry.outcome) == (officer, "apikey", "denied")


def test_an_anonymous_visitor_is_sent_to_sign_in_without_an_entry(client, db):
    before = AccessLogEntry.objects.count()
    assert client.get(reverse("admin:index")).status_code == 302
    assert AccessLogEntry.objects.count() == before


def test_the_key_form_shows_revocation_scope_owner_networks_and_expiry_read_only(client, admin_user, revoked_key):
    client.force_login(admin_user)
    page = client.get(change_url(revoked_key[0])).content.decode()
    for name in ("revoked_at_0", "expires_at_0", "scope", "municipality", "user", "allowed_networks"):
        assert f'name="{name}"' not in page
    assert 'name="name"' in page


def test_a_crafted_post_cannot_revive_or_re_scope_a_revoked_key(client, admin_user, revoked_key):
    api_key, raw = revoked_key
    revoked_at = api_key.revoked_at
    client.force_login(admin_user)
    data = form_data(
        api_key,
        name="relabelled",
        revoked_at=None,
        expires_at=timezone.now() + dt.timedelta(days=3650),
        allowed_networks="0.0.0.0/0",
    )
    response = client.post(change_url(api_key), data)
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.name == "relabelled"
    assert api_key.revoked_at == revoked_at
    assert api_key.expires_at < timezone.now() + dt.timedelta(days=400)
    assert api_key.allowed_networks == ""
    assert post_reads(raw).status_code == 401


def test_the_admin_revokes_keys_through_the_service_and_it_is_recorded(client, admin_user, municipality, camera):
    api_key, raw = api_key_create(name="centre platform", municipality=municipality)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_apikey_changelist"),
        {"action": "revoke", "index": "0", "_selected_action": [str(api_key.pk)]},
    )
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert post_reads(raw).status_code == 401
    entry = AccessLogEntry.objects.filter(actor=admin_user, action="admin-action:revoke").get()
    assert (entry.object_type, entry.object_id, entry.outcome) == ("apikey", str(api_key.pk), "allowed")


def test_keys_are_not_deleted_in_the_admin(client, admin_user, revoked_key):
    api_key, _ = revoked_key
    client.force_login(admin_user)
    assert client.post(reverse("admin:accounts_apikey_delete", args=[api_key.pk]), {"post": "yes"}).status_code == 403
    client.post(
        reverse("admin:accounts_apikey_changelist"),
        {"action": "delete_selected", "index": "0", "_selected_action": [str(api_key.pk)], "post": "yes"},
    )
    assert ApiKey.objects.filter(pk=api_key.pk).exists()
    denied = AccessLogEntry.objects.filter(actor=admin_user, action="admin-delete", outcome="denied")
    assert denied.filter(object_id=str(api_key.pk)).exists()


def test_sign_in_records_are_view_only(rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user
    for model in (AccessLog, AccessFailureLog):
        model_admin = admin.site._registry[model]
        assert model_admin.has_view_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


# The model's own guard: no code path revives or re-scopes a key, whatever the admin shows.


def test_saving_a_revoked_key_as_unrevoked_is_refused(revoked_key):
    api_key, raw = revoked_key
    api_key.revoked_at = None
    with pytest.raises(ApiKeyChangeRefused):
        api_key.save()
    with pytest.raises(ApiKeyChangeRefused):
        ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=None)
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert post_reads(raw).status_code == 401


def test_extending_a_keys_expiry_is_refused(municipality, camera):
    api_key, raw = api_key_create(name="centre platform", municipality=municipality)
    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    api_key.refresh_from_db()
    api_key.expires_at = timezone.now() + dt.timedelta(days=30)
    with pytest.raises(ApiKeyChangeRefused):
        api_key.save()
    with pytest.raises(ApiKeyChangeRefused):
        ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() + dt.timedelta(days=30))
    assert post_reads(raw).status_code == 401


@pytest.mark.parametrize("field", ["scope", "user", "municipality", "allowed_networks"])
def test_re_scoping_a_key_is_refused(municipality, other_municipality, officer, field):
    api_key, _ = api_key_create(name="centre platform", municipality=municipality)
    changes = {
        "scope": {"scope": ApiKey.Scope.API},
        "user": {"user": officer, "municipality": None},
        "municipality": {"municipality": other_municipality},
        "allowed_networks": {"allowed_networks": "0.0.0.0/0"},
    }[field]
    for name, value in changes.items():
        setattr(api_key, name, value)
    with pytest.raises(ApiKeyChangeRefused):
        api_key.save()
    with pytest.raises(ApiKeyChangeRefused):
        ApiKey.objects.filter(pk=api_key.pk).update(**changes)


def test_relabelling_revoking_and_shortening_a_key_still_work(municipality):
    api_key, _ = api_key_create(name="centre platform", municipality=municipality)
    api_key.name = "new label"
    api_key.save()
    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() + dt.timedelta(days=1))
    api_key_revoke(api_key=api_key)
    api_key.refresh_from_db()
    api_key.save()  # saving a revoked key unchanged is fine
    assert (api_key.name, api_key.is_usable()) == ("new label", False)
