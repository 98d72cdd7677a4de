"""The centre dashboard's live-view queue: requests waiting for the centre's decision and sessions running now."""

from __future__ import annotations

from typing import Any

from django import template

from sightings import permissions
from sightings.live_views import selectors as live_selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def live_view_queue(context: dict[str, Any]) -> list[live_selectors.LiveQueueRow]:
    user = context["request"].user
    if not (permissions.live_view_may_use(user) and user.is_operator):
        return []
    return live_selectors.live_view_queue_for(user)
