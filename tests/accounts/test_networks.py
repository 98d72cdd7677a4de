"""Separated network: people and integration keys are refused outside their allow-listed networks."""

from __future__ import annotations

import types

import pytest
from django.urls import reverse

from accounts.networks import client_address, parse_networks
from accounts.permissions import api_key_may_connect_from
from audit.models import AccessLogEntry
from tests.conftest import PASSWORD

POLICE = ["10.20.0.0/16"]
CENTRES = ["10.30.0.0/16", "192.168.5.0/24"]
AUDIT = ["10.40.0.0/16"]
ADMINS = ["127.0.0.1/32"]
INTEGRATIONS = ["10.30.0.0/16"]


@pytest.fixture
def separated(settings):
    settings.ALLOWED_NETWORKS = {
        "officer": POLICE,
        "operator": CENTRES,
        "auditor": AUDIT,
        "admin": ADMINS,
        "keys": INTEGRATIONS,
    }


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy():
    assert client_address("203.0.113.9", "10.20.0.1", ()) == "203.0.113.9"


def test_x_forwarded_for_is_believed_from_a_trusted_proxy():
    proxies = parse_networks(["10.0.0.1/32"])
    assert client_address("10.0.0.1", "10.20.0.7", proxies) == "10.20.0.7"


def test_a_client_cannot_forge_its_address_through_a_trusted_proxy():
    proxies = parse_networks(["10.0.0.1/32"])
    # The proxy appends the real peer; whatever the client wrote to the left is not believed.
    assert client_address("10.0.0.1", "10.20.0.7, 203.0.113.9", proxies) == "203.0.113.9"


def test_an_ipv4_peer_on_an_ipv6_socket_is_matched_as_ipv4():
    assert client_address("::ffff:10.20.0.1", None, ()) == "10.20.0.1"


def test_bad_network_settings_are_rejected():
    with pytest.raises(ValueError, match="not an IP network"):
        parse_networks(["10.0.0.0/33"], setting="ALLOWED_NETWORKS_OFFICER")


def test_an_officer_inside_the_police_network_gets_in(client, officer, separated):
    client.force_login(officer)
    assert client.get(reverse("home"), REMOTE_ADDR="10.20.3.4").status_code == 200


def test_an_officer_outside_the_police_network_is_refused_and_logged(client, officer, separated):
    client.force_login(officer)
    response = client.get(reverse("home"), REMOTE_ADDR="10.30.3.4")
    assert response.status_code == 403
    assert 'data-refused="network"' in response.content.decode()
    entry = AccessLogEntry.objects.get(action="network")
    assert entry.outcome == "denied" and entry.actor == officer


def test_an_operator_is_refused_from_the_police_network(client, operator, separated):
    client.force_login(operator)
    assert client.get(reverse("home"), REMOTE_ADDR="10.20.3.4").status_code == 403
    assert client.get(reverse("home"), REMOTE_ADDR="192.168.5.20").status_code == 200


def test_the_api_refuses_people_outside_their_network_with_json(client, auditor, separated):
    client.force_login(auditor)
    response = client.get(reverse("schema"), REMOTE_ADDR="10.20.3.4")
    assert response.status_code == 403
    assert response.json()["detail"] == "Access from this network is not allowed."


def test_sign_in_is_refused_outside_the_persons_network(client, officer, separated):
    response = client.post(reverse("login"), {"username": "officer", "password": PASSWORD}, REMOTE_ADDR="10.40.0.9")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AccessLogEntry.objects.filter(action="login", outcome="denied", actor=officer).exists()


def test_the_login_page_is_not_shown_outside_every_network(client, db, separated):
    assert client.get(reverse("login"), REMOTE_ADDR="203.0.113.9").status_code == 403
    assert client.get(reverse("login"), REMOTE_ADDR="10.40.0.9").status_code == 200


def test_a_trusted_proxy_passes_the_real_client_address(client, officer, separated, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1/32"]
    client.force_login(officer)
    ok = client.get(reverse("home"), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="10.20.0.8")
    assert ok.status_code == 200
    refused = client.get(reverse("home"), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert refused.status_code == 403


def test_an_untrusted_peer_cannot_claim_an_allowed_address(client, officer, separated):
    client.force_login(officer)
    response = client.get(reverse("home"), REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.20.0.8")
    assert response.status_code == 403


def test_a_key_is_refused_outside_the_integration_networks(separated):
    key = types.SimpleNamespace(allowed_networks="")
    assert api_key_may_connect_from(key, "10.30.1.1")
    assert not api_key_may_connect_from(key, "10.20.1.1")


def test_a_keys_own_networks_narrow_the_site_wide_list(separated):
    key = types.SimpleNamespace(allowed_networks="10.30.7.0/24")
    assert api_key_may_connect_from(key, "10.30.7.9")
    assert not api_key_may_connect_from(key, "10.30.8.9")
    # A key's own list never widens the site-wide one.
    wide = types.SimpleNamespace(allowed_networks="0.0.0.0/0")
    assert not api_key_may_connect_from(wide, "203.0.113.9")


def test_production_defaults_to_loopback_and_private_ranges():
    import os
    import subprocess
    import sys

    code = (
        "import wassweb.settings as s;"
        "assert s.ALLOWED_NETWORKS['officer'][:2] == ['127.0.0.0/8', '::1/128'], s.ALLOWED_NETWORKS;"
        "assert '0.0.0.0/0' not in s.ALLOWED_NETWORKS['keys'] and s.OTP_REQUIRED and s.TRUSTED_PROXIES == []"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLOWED_NETWORKS") and k != "OTP_REQUIRED"}
    env.update(WASSWEB_MODE="production", SECRET_KEY="z" * 60)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_the_access_log_records_the_client_behind_a_trusted_proxy(client, officer, separated, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1/32"]
    client.force_login(officer)
    client.get(reverse("home"), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert AccessLogEntry.objects.get(action="network").ip == "203.0.113.9"


def test_a_bearer_header_does_not_open_the_login_page_from_outside(client, db, separated):
    assert client.get(reverse("login"), REMOTE_ADDR="203.0.113.9").status_code == 403
    response = client.get(reverse("login"), REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer x")
    assert response.status_code == 403


def test_a_bearer_request_on_the_api_is_held_to_the_keys_networks(client, db, separated):
    # The integrations' network admits a bearer request to the API (the key itself is checked next) ...
    inside = client.get("/api/v1/orders/", REMOTE_ADDR="10.30.1.1", HTTP_AUTHORIZATION="Bearer x")
    assert inside.status_code == 401
    # ... and an address outside it is refused before any key is looked at, with the API's error shape.
    outside = client.get("/api/v1/orders/", REMOTE_ADDR="10.20.1.1", HTTP_AUTHORIZATION="Bearer x")
    assert outside.status_code == 403
    assert outside.json() == {"detail": "Access from this network is not allowed.", "errors": {}}
    assert AccessLogEntry.objects.get(action="key-network").ip == "10.20.1.1"


def test_a_socket_uses_the_same_rule_as_http_for_repeated_headers(settings):
    from accounts.permissions import scope_client_ip

    settings.TRUSTED_PROXIES = ["10.0.0.1/32", "10.0.0.2/32"]
    # The client's own proxy sent one header, ours added the hop it saw in a second one.
    headers = [(b"x-forwarded-for", b"203.0.113.9"), (b"x-forwarded-for", b"10.0.0.2")]
    scope = {"client": ["10.0.0.1", 5555], "headers": headers}
    # Django joins repeated headers in order into one list; the socket reads the same list the same way.
    proxies = parse_networks(settings.TRUSTED_PROXIES)
    assert scope_client_ip(scope) == client_address("10.0.0.1", "203.0.113.9,10.0.0.2", proxies) == "203.0.113.9"
    assert scope_client_ip({"client": ["203.0.113.7", 5555], "headers": headers}) == "203.0.113.7"
