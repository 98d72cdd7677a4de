"""API keys: people manage their own, operators their centre's integration keys; keys are scoped, logged and
refused outside their networks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiKey
from accounts.services import api_key_create
from audit.models import AccessLogEntry, AccessTally
from audit.tallies import tallies_flush
from tests.queries import access_log_queries

VERIFY = "/api/v1/audit/verify/"


def make_key(**kwargs):
    return api_key_create(name=kwargs.pop("name", "test"), **kwargs)


def test_a_person_makes_a_personal_key_shown_once(client, officer):
    client.force_login(officer)
    response = client.post(reverse("api-keys"), {"name": "112 room", "kind": "alerts", "days": 30})
    assert response.status_code == 200
    api_key = ApiKey.objects.get(user=officer)
    assert api_key.scope == "alerts" and api_key.municipality is None
    page = response.content.decode()
    raw = page.split('<code id="new-key">')[1].split("</code>")[0]
    assert raw.startswith(f"wass_{api_key.prefix}_")
    assert raw.split("_", 2)[2] not in api_key.secret_hash  # only a hash is stored
    assert response["Cache-Control"] == "no-store"
    assert raw not in client.get(reverse("api-keys")).content.decode()
    assert AccessLogEntry.objects.filter(action="key-create", actor=officer).exists()


def test_an_operator_makes_an_integration_key_for_their_own_centre(client, operator, municipality):
    client.force_login(operator)
    response = client.post(
        reverse("api-keys"),
        {"name": "platform", "kind": "integration", "days": 365, "allowed_networks": "10.30.0.0/16"},
    )
    assert response.status_code == 200
    api_key = ApiKey.objects.get(municipality=municipality)
    assert api_key.scope == "reads" and api_key.user is None
    assert api_key.allowed_networks == "10.30.0.0/16"


def test_an_officer_cannot_make_an_integration_key(client, officer):
    client.force_login(officer)
    response = client.post(reverse("api-keys"), {"name": "x", "kind": "integration", "days": 30})
    assert response.status_code == 400
    assert "kind" in response.context["form"].errors
    assert not ApiKey.objects.exists()


def test_an_auditor_cannot_make_an_alerts_key(client, auditor):
    client.force_login(auditor)
    response = client.post(reverse("api-keys"), {"name": "x", "kind": "alerts", "days": 30})
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "kind": "api", "days": 30}, "name"),
        ({"name": "x", "kind": "api", "days": 0}, "days"),
        ({"name": "x", "kind": "api", "days": 9999}, "days"),
        ({"name": "x", "kind": "api", "days": 30, "allowed_networks": "10.0.0.0/33"}, "allowed_networks"),
        ({"name": "x", "kind": "root", "days": 30}, "kind"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(client, officer, data, field):
    client.force_login(officer)
    response = client.post(reverse("api-keys"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not ApiKey.objects.exists()


def test_the_list_shows_only_keys_the_person_may_manage(client, operator, other_operator, officer, municipality):
    own, _ = make_key(user=operator, scope="api", name="mine")
    centre, _ = make_key(municipality=municipality, name="centre")
    make_key(user=other_operator, scope="api", name="theirs")
    make_key(municipality=other_operator.municipality, name="other centre")
    make_key(user=officer, scope="api", name="officer's")
    client.force_login(operator)
    page = client.get(reverse("api-keys")).content.decode()
    assert f'data-key="{own.prefix}"' in page and f'data-key="{centre.prefix}"' in page
    assert page.count("data-key=") == 2


def test_the_list_costs_a_fixed_number_of_queries(client, operator, municipality, django_assert_num_queries):
    for n in range(3):
        make_key(municipality=municipality, name=f"k{n}")
        make_key(user=operator, scope="api", name=f"p{n}")
    client.force_login(operator)
    client.get(reverse("api-keys"))
    # session, user, the header's municipality and province, keys with owners; the access-log entry (savepoint,
    # chain lock, head, insert, release); the session save (3).
    with django_assert_num_queries(8 + access_log_queries()):
        assert client.get(reverse("api-keys")).status_code == 200


def test_a_person_revokes_their_own_key(client, officer):
    api_key, _ = make_key(user=officer, scope="api")
    client.force_login(officer)
    response = client.post(reverse("api-key-revoke", args=[api_key.id]))
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert AccessLogEntry.objects.filter(action="key-revoke", actor=officer).exists()


def test_an_operator_revokes_their_centres_integration_key(client, operator, municipality):
    api_key, _ = make_key(municipality=municipality)
    client.force_login(operator)
    assert client.post(reverse("api-key-revoke", args=[api_key.id])).status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None


@pytest.mark.parametrize("who", ["other_officer", "other_operator", "auditor"])
def test_someone_elses_key_is_not_found(client, request, officer, municipality, who):
    personal, _ = make_key(user=officer, scope="api")
    integration, _ = make_key(municipality=municipality)
    client.force_login(request.getfixturevalue(who))
    for api_key in (personal, integration):
        assert client.post(reverse("api-key-revoke", args=[api_key.id])).status_code == 404
        api_key.refresh_from_db()
        assert api_key.revoked_at is None


def test_revoking_needs_post(client, officer):
    api_key, _ = make_key(user=officer, scope="api")
    client.force_login(officer)
    assert client.get(reverse("api-key-revoke", args=[api_key.id])).status_code == 405


def test_anonymous_people_are_sent_to_sign_in(client, db):
    assert client.get(reverse("api-keys")).status_code == 302


def test_a_personal_api_key_acts_as_its_person_and_each_use_is_counted(client, auditor):
    api_key, raw = make_key(user=auditor, scope="api")
    for _ in range(2):
        response = client.get(VERIFY, HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code == 200
    tallies_flush(everything=True)
    tally = AccessTally.objects.get(kind="key-use")
    assert tally.outcome == "allowed" and tally.actor_label == f"key:{api_key.prefix}" and tally.count == 2


def test_a_key_of_another_scope_is_refused_on_the_api(client, officer, municipality):
    _, alerts_raw = make_key(user=officer, scope="alerts")
    _, reads_raw = make_key(municipality=municipality)
    for raw in (alerts_raw, reads_raw):
        response = client.get("/api/v1/orders/", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code == 403
        assert "scope" in response.json()["detail"]
    assert AccessLogEntry.objects.filter(action="key-scope", outcome="denied").count() == 2


def test_a_revoked_or_expired_key_is_refused_and_logged(client, auditor):
    revoked, raw_revoked = make_key(user=auditor, scope="api")
    ApiKey.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    expired, raw_expired = make_key(user=auditor, scope="api")
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    for raw in (raw_revoked, raw_expired):
        # 401 with a challenge, as on the reads API: the client is told to bring a valid key.
        response = client.get(VERIFY, HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert response.json() == {"detail": "The API key is not valid, has expired or has been revoked.", "errors": {}}
    # The second refusal from the same address within the interval is counted, not logged again.
    assert AccessLogEntry.objects.filter(action="key", outcome="denied").count() == 1
    tallies_flush(everything=True)
    assert AccessTally.objects.get(kind="refusal", action="key").count == 1


def test_a_request_without_any_credentials_is_still_refused_with_403(client, db):
    assert client.get(VERIFY).status_code == 403


def test_a_key_is_refused_outside_the_integration_networks(client, settings, auditor):
    settings.ALLOWED_NETWORKS = {**settings.ALLOWED_NETWORKS, "keys": ["10.30.0.0/16"]}
    api_key, raw = make_key(user=auditor, scope="api")
    refused = client.get(VERIFY, HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 403
    assert "network" in refused.json()["detail"]
    assert AccessLogEntry.objects.get(action="key-network").outcome == "denied"
    assert client.get(VERIFY, HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="10.30.1.2").status_code == 200


def test_a_keys_own_networks_are_enforced(client, auditor):
    _, raw = make_key(user=auditor, scope="api", allowed_networks="10.30.7.0/24")
    assert client.get(VERIFY, HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="10.30.8.1").status_code == 403
    assert client.get(VERIFY, HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="10.30.7.1").status_code == 200
