"""Sign-in events written to the access log."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts import permissions
from accounts.models import ApiKey, User
from accounts.security import access_event_record

# Saves that can change which municipality's operators group a person belongs to.
MEMBERSHIP_FIELDS = {"role", "municipality", "municipality_id", "is_active"}


@receiver(user_logged_in, dispatch_uid="accounts.login_recorded")
def _login_recorded(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None:
        access_event_record(request=request, action="login", allowed=True, user=user, obj=user)


@receiver(user_login_failed, dispatch_uid="accounts.login_failure_recorded")
def _login_failure_recorded(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    if request is not None:
        username = credentials.get("username", "")
        access_event_record(request=request, action="login", allowed=False, obj=("user", username[:64]))


@receiver(user_locked_out, dispatch_uid="accounts.lockout_recorded")
def _lockout_recorded(sender: Any, request: Any, username: str | None = None, ip_address: str = "", **kwargs) -> None:
    user = get_user_model().objects.filter(username=username).first() if username else None
    subject = ("user", (username or "")[:64])
    access_event_record(request=request, action="lockout", allowed=False, user=user, address=ip_address, obj=subject)


@receiver(post_save, sender=User, dispatch_uid="accounts.operator_groups_synced")
def _operator_groups_synced(sender: Any, instance: User, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and not MEMBERSHIP_FIELDS.intersection(update_fields):
        return  # e.g. last_login on every sign-in
    permissions.operator_groups_sync(instance)


@receiver(post_save, sender=ApiKey, dispatch_uid="accounts.integration_key_granted")
def _integration_key_granted(sender: Any, instance: ApiKey, created: bool, **kwargs: Any) -> None:
    if created:
        permissions.municipal_object_grant(instance)


def _municipal_object_granted(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        permissions.municipal_object_grant(instance)


def connect_municipal_objects() -> None:
    """Cameras and footage requests live in the sightings app; their operators group gets them as they are made."""
    from sightings.models import Camera, FootageRequest

    for model in (Camera, FootageRequest):
        post_save.connect(_municipal_object_granted, sender=model, dispatch_uid=f"accounts.granted.{model.__name__}")
