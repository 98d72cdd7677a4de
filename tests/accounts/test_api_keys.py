"""API keys: made once, stored hashed, refused when revoked or expired, usable as a bearer token."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from accounts.authentication import BearerKeyAuthentication, IntegrationPrincipal
from accounts.keys import key_generate, key_split
from accounts.models import ApiKey
from accounts.services import ApiKeyError, api_key_authenticate, api_key_create, api_key_lookup, api_key_revoke


def test_it_makes_keys_with_a_prefix_and_a_long_secret():
    new_key = key_generate()
    prefix, secret = key_split(new_key.raw)
    assert new_key.raw == f"wass_{prefix}_{secret}"
    assert prefix == new_key.prefix and len(secret) == 43
    assert new_key.secret_hash == hashlib.sha256(secret.encode()).hexdigest()


@pytest.mark.parametrize("text", ["", "wass_", "Bearer x", "wass_ABCDEFGH_" + "a" * 43, "wass_abcdefgh_short", 12])
def test_it_refuses_text_not_shaped_like_a_key(text):
    assert key_split(text) is None


def test_it_stores_only_a_hash_of_the_secret(municipality):
    api_key, raw = api_key_create(name="은평 통합플랫폼", municipality=municipality)
    _, secret = key_split(raw)
    stored = ApiKey.objects.get(pk=api_key.pk)
    assert secret not in stored.secret_hash and stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert stored.scope == ApiKey.Scope.READS
    assert stored.expires_at > timezone.now() + dt.timedelta(days=300)


def test_it_authenticates_a_key_of_the_asked_scope(municipality):
    api_key, raw = api_key_create(name="platform", municipality=municipality)
    assert api_key_authenticate(raw, scope="reads") == api_key
    assert api_key_authenticate(raw, scope="alerts") is None


def test_it_refuses_a_wrong_secret_with_a_known_prefix(municipality):
    api_key, raw = api_key_create(name="platform", municipality=municipality)
    tampered = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    assert api_key_authenticate(tampered, scope="reads") is None


def test_it_refuses_a_revoked_key(municipality):
    api_key, raw = api_key_create(name="platform", municipality=municipality)
    api_key_revoke(api_key=api_key)
    assert api_key_authenticate(raw, scope="reads") is None


def test_it_refuses_an_expired_key(municipality):
    api_key, raw = api_key_create(name="platform", municipality=municipality)
    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api_key_authenticate(raw, scope="reads") is None


def test_it_refuses_the_key_of_a_deactivated_person(officer):
    _, raw = api_key_create(name="112 room", user=officer, scope="alerts")
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    assert api_key_authenticate(raw, scope="alerts") is None


def test_it_notes_last_use_at_most_once_a_minute(municipality, django_assert_num_queries, settings):
    settings.KEY_CACHE_SECONDS = 0  # looked up every time, so only the write is left to count
    api_key, raw = api_key_create(name="platform", municipality=municipality)
    with django_assert_num_queries(2):  # the lookup and the last-used write
        api_key_lookup(raw)
    with django_assert_num_queries(1):  # used a moment ago: no write
        api_key_lookup(raw)
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at is not None


def test_it_refuses_keys_with_no_owner_or_two_owners(municipality, officer):
    with pytest.raises(ApiKeyError):
        api_key_create(name="nobody's")
    with pytest.raises(ApiKeyError):
        api_key_create(name="both", municipality=municipality, user=officer)


def test_it_gives_integration_keys_only_the_reads_scope(municipality, officer):
    with pytest.raises(ApiKeyError):
        api_key_create(name="platform", municipality=municipality, scope="alerts")
    with pytest.raises(ApiKeyError):
        api_key_create(name="mine", user=officer, scope="reads")


def test_the_command_prints_an_integration_key_once(municipality):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", "--municipality", "11380", "--name", "은평 통합플랫폼", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    api_key = api_key_authenticate(raw, scope="reads")
    assert api_key is not None and api_key.municipality == municipality
    assert raw not in err.getvalue() and api_key.prefix in err.getvalue()


def test_the_command_issues_a_personal_key(officer):
    out = io.StringIO()
    call_command("create_api_key", "--user", "officer", "--name", "112 room", "--scope", "alerts", stdout=out)
    api_key = api_key_authenticate(out.getvalue().strip(), scope="alerts")
    assert api_key is not None and api_key.user == officer


def test_the_command_names_an_unknown_municipality(db):
    with pytest.raises(CommandError, match="99999"):
        call_command("create_api_key", "--municipality", "99999", "--name", "x", stdout=io.StringIO())


def test_the_revoke_command_stops_a_key(municipality):
    api_key, raw = api_key_create(name="platform", municipality=municipality)
    call_command("revoke_api_key", api_key.prefix, stdout=io.StringIO())
    assert api_key_authenticate(raw, scope="reads") is None


def test_bearer_authentication_gives_an_integration_principal(municipality):
    api_key, raw = api_key_create(name="platform", municipality=municipality)
    request = APIRequestFactory().post("/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    principal, auth = BearerKeyAuthentication().authenticate(request)
    assert isinstance(principal, IntegrationPrincipal) and principal.is_authenticated
    assert principal.municipality == municipality and auth == api_key
    assert not principal.has_perm("sightings.view_sighting")


def test_bearer_authentication_gives_the_person_of_a_personal_key(officer):
    _, raw = api_key_create(name="mine", user=officer)
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert BearerKeyAuthentication().authenticate(request)[0] == officer
