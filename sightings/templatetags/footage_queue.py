"""The centre dashboard's queue: the footage requests waiting for the centre's decision, at the top."""

from __future__ import annotations

from typing import Any

from django import template

from sightings import permissions
from sightings.footage import selectors as footage_selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def footage_queue(context: dict[str, Any]) -> list[footage_selectors.QueueRow]:
    user = context["request"].user
    if not (permissions.footage_may_use(user) and user.is_operator):
        return []
    return footage_selectors.footage_queue_for(user)
