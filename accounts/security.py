"""Security writes: refusals recorded, sessions ended everywhere, second-factor enrolment."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.signals import access_event

TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"


def access_event_record(
    *,
    request: HttpRequest | None,
    action: str,
    allowed: bool,
    user: Any = None,
    api_key: Any = None,
    obj: Any = "session",
    address: str = "",
    detail: str = "",
) -> None:
    """Announces a security event such as a refusal or a lock-out, for the access log.

    The audit app's receiver writes it (audit.services.security_event_record) before this returns, in the
    caller's transaction: a refusal repeated from one source within an interval becomes one access-log row
    and a counted tally, so junk traffic cannot grow the append-only log a row per request.
    """
    access_event.send(
        sender=access_event_record,
        request=request,
        action=action,
        allowed=allowed,
        user=user,
        api_key=api_key,
        obj=obj,
        address=address,
        detail=detail,
    )


@transaction.atomic
def user_sessions_end(*, user: User) -> None:
    """Ends every session of the person, on every device: their session hashes stop matching."""
    user.session_salt = secrets.token_hex(16)
    user.save(update_fields=["session_salt"])


def totp_device_start(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator for the enrolment page; replaces an earlier unconfirmed one."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice) -> list[str]:
    """Makes the device the person's only authenticator and returns fresh recovery codes (shown once)."""
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_renew(user=device.user)


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """Replaces the person's recovery codes; each works once. Returns them for showing once."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.OTP_RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes
