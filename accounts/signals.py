"""What accounts announces, and its own receivers.

Accounts records nothing in the audit trail itself: the audit app imports accounts, never the other way
round, so accounts sends these signals and audit's receivers write the access log and its tallies
(audit/signals.py). Sign-ins, failed passwords and lock-outs need no signal of ours: Django and axes send
user_logged_in, user_login_failed and user_locked_out, and audit receives those directly.
Receivers run synchronously in the sender's thread and transaction, as a direct call would.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from accounts import permissions
from accounts.models import ApiKey, User

# A security event: a refusal (network, second factor, key, scope, throttle, socket) or an allowed security
# action (a key made or revoked, a second factor confirmed, every session ended). Sent by
# accounts.security.access_event_record with the keyword arguments request, action, allowed, user, api_key,
# obj, address and detail.
access_event = Signal()

# An API key authenticated a request: keyword arguments api_key and address (the client's).
key_used = Signal()

# Saves that can change which municipality's operators group a person belongs to.
MEMBERSHIP_FIELDS = {"role", "municipality", "municipality_id", "is_active"}


@receiver(post_save, sender=User, dispatch_uid="accounts.operator_groups_synced")
def _operator_groups_synced(sender: Any, instance: User, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and not MEMBERSHIP_FIELDS.intersection(update_fields):
        return  # e.g. last_login on every sign-in
    permissions.operator_groups_sync(instance)


@receiver(post_save, sender=ApiKey, dispatch_uid="accounts.integration_key_granted")
def _integration_key_granted(sender: Any, instance: ApiKey, created: bool, **kwargs: Any) -> None:
    if created:
        permissions.municipal_object_grant(instance)
