"""Receivers of the sightings app.

A change of a person is pushed to their open live-alert sockets, which re-check their access at once; a new
camera or footage request is granted to its municipality's operators group (accounts.permissions decides
the permission, sightings connects its own models, as accounts does not import sightings).
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import transaction

from accounts import permissions
from sightings.live.alerts import ACCESS_CHANGED, send_to_group, user_group
from sightings.models import Camera, FootageRequest

# Sightings' objects that belong to a municipality's operators group (accounts.permissions grants them; it
# adds its own integration keys).
MUNICIPAL_OBJECTS = (Camera, FootageRequest)

# Saves that change nothing about what a person may see (a login stamps last_login).
_IRRELEVANT_FIELDS = frozenset({"last_login", "password"})


def user_saved(sender: Any, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    if created or (update_fields is not None and set(update_fields) <= _IRRELEVANT_FIELDS):
        return
    transaction.on_commit(functools.partial(send_to_group, user_group(instance.pk), ACCESS_CHANGED, {}))


def municipal_object_created(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        permissions.municipal_object_grant(instance)
