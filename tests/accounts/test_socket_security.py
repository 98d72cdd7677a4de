"""Live-alert sockets obey the same separated network and second factor as pages."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

from accounts.security import totp_device_confirm, totp_device_start
from accounts.services import api_key_create
from audit.models import AccessLogEntry
from tests.conftest import PASSWORD
from tests.sightings.live.helpers import ORIGIN, open_socket, session_headers

pytestmark = pytest.mark.django_db(transaction=True)


def connect(headers) -> bool:
    async def scenario():
        communicator, connected, _ = await open_socket(headers)
        await communicator.disconnect()
        return connected

    return async_to_sync(scenario)()


def verified_session_headers(user) -> list[tuple[bytes, bytes]]:
    device = totp_device_start(user=user)
    totp_device_confirm(device=device)
    client = Client()
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert client.post(reverse("otp-verify"), {"token": code}).status_code == 302
    cookie = client.cookies["sessionid"].value
    return [(b"cookie", f"sessionid={cookie}".encode()), (b"origin", ORIGIN), (b"host", b"127.0.0.1")]


def test_a_password_only_session_cannot_open_the_alert_socket(settings, officer):
    settings.OTP_REQUIRED = True
    assert not connect(session_headers(officer))
    assert AccessLogEntry.objects.filter(action="socket-second-factor", actor=officer).exists()


def test_a_verified_session_opens_the_alert_socket(settings, officer):
    settings.OTP_REQUIRED = True
    assert connect(verified_session_headers(officer))


def test_a_socket_from_outside_the_persons_network_is_refused(settings, officer):
    # The test communicator has no peer address, which only an allow-everyone list admits.
    settings.ALLOWED_NETWORKS = {**settings.ALLOWED_NETWORKS, "officer": ["10.20.0.0/16"]}
    assert not connect(session_headers(officer))
    assert AccessLogEntry.objects.filter(action="socket-network", actor=officer).exists()


def test_a_machine_socket_is_refused_outside_the_key_networks(settings, officer):
    settings.OTP_REQUIRED = True  # machines are not asked for a second factor
    _, raw = api_key_create(name="112 room", user=officer, scope="alerts")
    headers = [(b"authorization", f"Bearer {raw}".encode()), (b"host", b"127.0.0.1")]
    assert connect(headers)
    settings.ALLOWED_NETWORKS = {**settings.ALLOWED_NETWORKS, "keys": ["10.30.0.0/16"]}
    assert not connect(headers)
