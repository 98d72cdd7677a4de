"""Two-factor sign-in: no page or API is reachable with the password alone when it is required."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.security import totp_device_confirm, totp_device_start
from audit.models import AccessLogEntry
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def otp_required(settings):
    settings.OTP_REQUIRED = True


def code(device: TOTPDevice, drift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


@pytest.fixture
def enrolled(officer):
    device = totp_device_start(user=officer)
    codes = totp_device_confirm(device=device)
    return device, codes


def sign_in_with_password(client: Client, user) -> None:
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_it_stops_a_password_only_session_before_any_page(client, officer, enrolled):
    sign_in_with_password(client, officer)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp-verify"))


def test_it_refuses_the_api_to_a_password_only_session(client, officer, enrolled):
    sign_in_with_password(client, officer)
    response = client.get(reverse("schema"))
    assert response.status_code == 403
    assert "Two-factor" in response.json()["detail"]
    assert AccessLogEntry.objects.filter(action="second-factor", outcome="denied", actor=officer).exists()


def test_it_does_not_stop_machine_clients_with_a_bearer_key(client, db):
    # No session at all: the second factor is for people; the key is checked by the API's authentication.
    response = client.get(reverse("schema"), HTTP_AUTHORIZATION="Bearer not-a-real-key")
    assert "Two-factor" not in response.content.decode()


def test_it_lets_a_person_in_with_the_current_code(client, officer, enrolled):
    device, _ = enrolled
    sign_in_with_password(client, officer)
    response = client.post(reverse("otp-verify"), {"token": code(device), "next": reverse("home")})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("schema")).status_code == 200
    assert AccessLogEntry.objects.filter(action="second-factor", outcome="allowed", actor=officer).exists()


def test_it_refuses_a_wrong_code_and_records_it(client, officer, enrolled):
    device, _ = enrolled
    sign_in_with_password(client, officer)
    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("otp-verify"), {"token": wrong})
    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302
    assert AccessLogEntry.objects.filter(action="second-factor", outcome="denied", actor=officer).exists()


def test_it_does_not_redirect_to_another_site_after_verification(client, officer, enrolled):
    device, _ = enrolled
    sign_in_with_password(client, officer)
    response = client.post(reverse("otp-verify"), {"token": code(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_a_recovery_code_works_once(client, officer, enrolled):
    _, codes = enrolled
    sign_in_with_password(client, officer)
    assert client.post(reverse("otp-verify"), {"token": codes[0]}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    other = Client()
    sign_in_with_password(other, officer)
    response = other.post(reverse("otp-verify"), {"token": codes[0]})
    assert response.status_code == 200
    assert other.get(reverse("home")).status_code == 302


def test_a_person_without_an_authenticator_is_sent_to_set_one_up(client, officer):
    sign_in_with_password(client, officer)
    response = client.get(reverse("otp-verify"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp-enrol"))


def test_enrolment_shows_a_local_qr_code_and_confirms_with_a_code(client, officer):
    sign_in_with_password(client, officer)
    page = client.get(reverse("otp-enrol")).content.decode()
    assert 'src="data:image/svg+xml' in page  # made here: no external QR service on a separated network
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    response = client.post(reverse("otp-enrol"), {"token": code(device), "next": reverse("home")})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("recovery-codes"))
    device.refresh_from_db()
    assert device.confirmed
    shown = client.get(response["Location"]).content.decode()
    stored = list(StaticToken.objects.filter(device__user=officer).values_list("token", flat=True))
    assert len(stored) == 10
    assert all(token in shown for token in stored)
    # Shown once: a reload shows none of them.
    again = client.get(reverse("recovery-codes")).content.decode()
    assert not any(token in again for token in stored)
    assert client.get(reverse("home")).status_code == 200


def test_enrolment_refuses_a_wrong_code(client, officer):
    sign_in_with_password(client, officer)
    client.get(reverse("otp-enrol"))
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("otp-enrol"), {"token": wrong})
    assert response.status_code == 200
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("home")).status_code == 302


def test_replacing_an_authenticator_needs_the_current_one(client, officer, enrolled):
    sign_in_with_password(client, officer)
    response = client.get(reverse("otp-enrol"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp-verify"))
    assert not TOTPDevice.objects.filter(user=officer, confirmed=False).exists()


def test_new_recovery_codes_replace_the_old_ones(client, officer, enrolled):
    device, old_codes = enrolled
    sign_in_with_password(client, officer)
    client.post(reverse("otp-verify"), {"token": code(device)})
    page = client.post(reverse("recovery-codes")).content.decode()
    new_codes = set(StaticToken.objects.filter(device__user=officer).values_list("token", flat=True))
    assert new_codes.isdisjoint(old_codes)
    assert all(token in page for token in new_codes)


def test_the_security_page_shows_the_second_factor_state(client, officer, enrolled):
    device, _ = enrolled
    sign_in_with_password(client, officer)
    client.post(reverse("otp-verify"), {"token": code(device)})
    page = client.get(reverse("security")).content.decode()
    assert "10" in page
    assert reverse("logout-everywhere") in page


def test_logout_everywhere_ends_every_session_of_the_person(settings, officer, other_officer):
    settings.OTP_REQUIRED = False
    here, elsewhere, someone_else = Client(), Client(), Client()
    for client_ in (here, elsewhere):
        client_.force_login(officer)
    someone_else.force_login(other_officer)
    response = here.post(reverse("logout-everywhere"))
    assert response.status_code == 302
    assert elsewhere.get(reverse("home")).status_code == 302
    assert here.get(reverse("home")).status_code == 302
    assert someone_else.get(reverse("home")).status_code == 200, "other people's sessions are untouched"
    assert AccessLogEntry.objects.filter(action="logout-everywhere", actor=officer).exists()


def test_logout_everywhere_only_accepts_post(settings, client, officer):
    settings.OTP_REQUIRED = False
    client.force_login(officer)
    assert client.get(reverse("logout-everywhere")).status_code == 405
    assert client.get(reverse("home")).status_code == 200


def test_an_idle_session_expires(settings, client, officer):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    settings.OTP_REQUIRED = False
    client.force_login(officer)
    assert client.get(reverse("home")).status_code == 200
    Session.objects.update(expire_date=timezone.now())  # as if SESSION_COOKIE_AGE passed without a request
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_guessing_codes_is_slowed_down(client, officer, enrolled):
    device, _ = enrolled
    sign_in_with_password(client, officer)
    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"
    client.post(reverse("otp-verify"), {"token": wrong})
    # Right after a wrong code even the right one is refused for a while (django-otp's back-off).
    assert client.post(reverse("otp-verify"), {"token": code(device)}).status_code == 200
    assert client.get(reverse("home")).status_code == 302
