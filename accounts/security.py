"""Security writes: refusals recorded, sessions ended everywhere, second-factor enrolment."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.permissions import client_ip

logger = logging.getLogger("wassweb.security")

TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"


# Refusals that keep one access-log row each: a failed password is bounded by the lock-out and is what the
# auditor's per-username alarm counts (audit.anomalies).
ONE_ROW_PER_REFUSAL = frozenset({"login"})


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
    """Writes a security event such as a refusal or a lock-out to the access log (and a log line).

    A refusal repeated from the same source within an interval is one access-log row and one counted tally
    (audit.tallies), so junk traffic cannot grow the append-only log a row per request.
    """
    from audit.services import access_log_record, access_refusal_record

    address = address or (client_ip(request) if request is not None else "")
    actor = api_key if api_key is not None else user
    if not allowed and action not in ONE_ROW_PER_REFUSAL:
        written = access_refusal_record(actor=actor, action=action, obj=obj, request=request, address=address)
        if written is None:
            return  # counted; its first occurrence in this interval is already logged
    else:
        access_log_record(
            actor=actor, action=action, obj=obj, outcome="allowed" if allowed else "denied", request=request
        )
    logger.log(
        logging.INFO if allowed else logging.WARNING,
        "access %s %s user=%s key=%s ip=%s path=%s %s",
        action,
        "allowed" if allowed else "denied",
        getattr(user, "pk", None),
        getattr(api_key, "prefix", None),
        address,
        request.path if request is not None else "",
        detail,
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
