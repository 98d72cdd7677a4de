"""The audit trail's receivers: accounts announces, audit records (audit imports accounts, never back).

Each receiver runs synchronously in the sender's thread and transaction, so an event is written exactly as
a direct call would write it: with the request it came from, and rolled back only with its caller.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from accounts.signals import access_event, key_used
from audit.services import key_use_record, security_event_record


@receiver(access_event, dispatch_uid="audit.access_event_recorded")
def _access_event_recorded(
    sender: Any,
    request: Any,
    action: str,
    allowed: bool,
    user: Any = None,
    api_key: Any = None,
    obj: Any = "session",
    address: str = "",
    detail: str = "",
    **kwargs: Any,
) -> None:
    security_event_record(
        request=request,
        action=action,
        allowed=allowed,
        user=user,
        api_key=api_key,
        obj=obj,
        address=address,
        detail=detail,
    )


@receiver(key_used, dispatch_uid="audit.key_use_counted")
def _key_use_counted(sender: Any, api_key: Any, address: str, **kwargs: Any) -> None:
    key_use_record(api_key=api_key, address=address)


@receiver(user_logged_in, dispatch_uid="audit.login_recorded")
def _login_recorded(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None:
        security_event_record(request=request, action="login", allowed=True, user=user, obj=user)


@receiver(user_login_failed, dispatch_uid="audit.login_failure_recorded")
def _login_failure_recorded(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    if request is not None:
        username = credentials.get("username", "")
        security_event_record(request=request, action="login", allowed=False, obj=("user", username[:64]))


@receiver(user_locked_out, dispatch_uid="audit.lockout_recorded")
def _lockout_recorded(sender: Any, request: Any, username: str | None = None, ip_address: str = "", **kwargs) -> None:
    user = get_user_model().objects.filter(username=username).first() if username else None
    subject = ("user", (username or "")[:64])
    security_event_record(request=request, action="lockout", allowed=False, user=user, address=ip_address, obj=subject)
