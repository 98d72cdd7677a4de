"""In a real browser: set up the authenticator from the QR page, then sign in with password and code."""

from __future__ import annotations

import base64
import time

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD
from tests.live import log_in, screenshot

pytestmark = pytest.mark.browser


def current_code(key: bytes, user) -> str:
    """The code an authenticator app shows now, or the next one if this one was already used."""
    now = int(time.time()) // 30
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    target = max(now, device.last_t + 1) if device is not None else now
    return f"{totp(key, step=30, t0=0, digits=6, drift=target - now):06d}"


@pytest.fixture
def otp_required(settings):
    # Before live_daphne, so the server process is forked with it.
    settings.OTP_REQUIRED = True


def test_a_person_sets_up_two_factor_and_signs_in_with_a_code(otp_required, live_daphne, new_page, officer):
    page = new_page(locale="en-US")
    log_in(page, live_daphne, "officer", PASSWORD)
    # Password alone leads to the set-up page, never further.
    assert "/account/two-factor/setup/" in page.url
    assert page.locator("[data-step=otp-enrol] .qr img").get_attribute("src").startswith("data:image/svg+xml")
    screenshot(page, "security-otp-enrol")
    page.goto(f"{live_daphne.url}/orders/")
    assert "/account/two-factor/" in page.url

    page.goto(f"{live_daphne.url}/account/two-factor/setup/")
    secret = page.locator("#otp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret)
    page.fill("#id_token", current_code(key, officer))
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-step=recovery-codes] .recovery-codes li").count() == 10
    screenshot(page, "security-recovery-codes")
    page.click("a.button.primary")
    page.wait_for_load_state("networkidle")
    assert page.locator('[data-role="officer"]').count() >= 1

    # A second browser: password, then the code.
    second = new_page(locale="en-US")
    log_in(second, live_daphne, "officer", PASSWORD)
    assert "/account/two-factor/" in second.url and "/setup/" not in second.url
    second.fill("#id_token", "000000" if current_code(key, officer) != "000000" else "111111")
    second.click("button[type=submit].primary")
    second.wait_for_load_state("networkidle")
    assert second.locator("[role=alert]").count() == 1
    screenshot(second, "security-otp-wrong-code")
    # django-otp slows guessing down after a wrong code; let that back-off pass instead of waiting for it.
    TOTPDevice.objects.filter(user=officer).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    second.fill("#id_token", current_code(key, officer))
    second.click("button[type=submit].primary")
    second.wait_for_load_state("networkidle")
    assert second.locator('[data-role="officer"]').count() >= 1
    second.goto(f"{live_daphne.url}/account/security/")
    assert second.locator("[data-section=second-factor]").inner_text().count("10") == 1
    screenshot(second, "security-page")


def test_an_operator_makes_an_integration_key_shown_once(live_daphne, new_page, operator):
    page = new_page(locale="en-US")
    log_in(page, live_daphne, "operator", PASSWORD)
    page.goto(f"{live_daphne.url}/account/keys/")
    page.fill("#id_name", "Eunpyeong platform")
    page.select_option("#id_kind", "integration")
    page.fill("#id_allowed_networks", "10.30.0.0/16")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    raw = page.locator("#new-key").inner_text()
    assert raw.startswith("wass_")
    screenshot(page, "security-api-key-created")
    page.goto(f"{live_daphne.url}/account/keys/")
    assert page.locator("#new-key").count() == 0
    assert page.locator("tr[data-key]").count() == 1
