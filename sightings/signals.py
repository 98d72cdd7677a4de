"""Pushes a change of a person to their open live-alert sockets, which re-check their access at once."""

from __future__ import annotations

import functools
from typing import Any

from django.db import transaction

from sightings.live.alerts import ACCESS_CHANGED, send_to_group, user_group

# Saves that change nothing about what a person may see (a login stamps last_login).
_IRRELEVANT_FIELDS = frozenset({"last_login", "password"})


def user_saved(sender: Any, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any) -> None:
    if created or (update_fields is not None and set(update_fields) <= _IRRELEVANT_FIELDS):
        return
    transaction.on_commit(functools.partial(send_to_group, user_group(instance.pk), ACCESS_CHANGED, {}))
