"""Live events for patrol units' terminals (/ws/units/): group names, event types, sending after commit."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sightings.live.alerts import send_to_group
from sightings.units.selectors import unit_state

# Event types on the channel layer; each has one handler in sightings.units.consumers.UnitConsumer.
UNIT_ASSIGNMENT = "unit.assignment"  # the unit was sent to a hit (or re-sent to a newer hit of the same vehicle)
UNIT_STATE = "unit.state"  # the unit's status changed (from one of its terminals, or its assignment closed)
# And sightings.live.alerts.LIVE_VIEW_UPDATE ("live_view.update"): a live view naming the unit was approved, denied or
# ended; sightings.live_views.services sends it to unit_group, with sightings.live_views.selectors.live_view_unit_frame.


def unit_group(unit_id: Any) -> str:
    """One unit's terminals (a car may run its terminal and a phone at once)."""
    return f"units.{UUID(str(unit_id)).hex}"


def unit_announce(unit_id: Any, *, event_type: str) -> None:
    """Sends the unit's state, with its assignment, to its terminals. Call after commit."""
    state = unit_state(unit_id)
    if state is None:
        return
    frame_type = "assignment" if event_type == UNIT_ASSIGNMENT else "unit"
    send_to_group(unit_group(unit_id), event_type, {"type": frame_type, **state})
