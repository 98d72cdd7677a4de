"""What happens to patrol units: a terminal reports its position and status, the 112 room sends a unit to a hit.

Only the last position is stored, and a position past UNIT_POSITION_MAX_AGE_SECONDS is cleared by beat: the system
keeps no history of where officers drove. Status changes and assignments reach the unit's terminals and the
dashboards once the transaction commits.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import ledger_record_unit_location
from sightings.live.alerts import sighting_update_announce
from sightings.models import AssignmentStatus, PatrolUnit, Sighting
from sightings.units.events import UNIT_ASSIGNMENT, UNIT_STATE, unit_announce
from wassweb import service_errors

# What a terminal reports about its assignment, and what it says about itself between assignments.
ASSIGNMENT_REPORTS = (
    AssignmentStatus.EN_ROUTE,
    AssignmentStatus.ON_SCENE,
    AssignmentStatus.LOST_CONTACT,
    AssignmentStatus.ARRESTED,
)
CLOSING_REPORTS = (AssignmentStatus.LOST_CONTACT, AssignmentStatus.ARRESTED)
AVAILABILITY = (PatrolUnit.Status.AVAILABLE, PatrolUnit.Status.OFF_DUTY)
STATUS_REPORTS = (*ASSIGNMENT_REPORTS, *AVAILABILITY)


class UnitConflict(service_errors.Conflict):
    """The unit is not in a state that allows the change (off duty, on another assignment, none to report on)."""


def unit_position_report(
    *,
    unit_id: UUID,
    lat: float,
    lon: float,
    heading_deg: float | None = None,
    accuracy_m: float | None = None,
    now: dt.datetime | None = None,
) -> float | None:
    """Stores the unit's position in place of the last one; or, when the last came less than
    UNIT_POSITION_MIN_INTERVAL_SECONDS ago, stores nothing and returns the seconds until the next is taken.

    One conditional UPDATE, so two reports racing from two devices of one unit still store at most one.
    """
    now = now or timezone.now()
    interval = dt.timedelta(seconds=settings.UNIT_POSITION_MIN_INTERVAL_SECONDS)
    stored = (
        PatrolUnit.objects.filter(pk=unit_id)
        .filter(Q(position_at__isnull=True) | Q(position_at__lte=now - interval))
        .update(lat=lat, lon=lon, heading_deg=heading_deg, accuracy_m=accuracy_m, position_at=now)
    )
    if stored:
        return None
    last = PatrolUnit.objects.filter(pk=unit_id).values_list("position_at", flat=True).first()
    if last is None:
        return float(settings.UNIT_POSITION_MIN_INTERVAL_SECONDS)
    return max(0.0, (last + interval - now).total_seconds())


def unit_positions_purge(*, now: dt.datetime | None = None) -> int:
    """Clears every position older than UNIT_POSITION_MAX_AGE_SECONDS; returns how many units it cleared."""
    stale = ~PatrolUnit.objects.fresh_position_q(now=now) & Q(position_at__isnull=False)
    return PatrolUnit.objects.filter(stale).update(
        lat=None, lon=None, heading_deg=None, accuracy_m=None, position_at=None
    )


def _after_commit(function, *args, **kwargs) -> None:
    transaction.on_commit(functools.partial(function, *args, **kwargs))


@transaction.atomic
def unit_status_change(*, unit_id: UUID, status: str) -> PatrolUnit:
    """A terminal's report: en route / on scene / lost contact / arrested about its assignment (the last two close
    it and make the unit available again), or available / off duty between assignments."""
    if status not in STATUS_REPORTS:
        raise ValueError(f"unknown unit status {status!r}")
    unit = PatrolUnit.objects.select_for_update().get(pk=unit_id)
    now = timezone.now()
    if status in ASSIGNMENT_REPORTS:
        if unit.assignment_id is None:
            raise UnitConflict(_("%(unit)s has no assignment to report on.") % {"unit": unit.call_sign})
        sighting = Sighting.objects.select_for_update().get(pk=unit.assignment_id)
        sighting.dispatch_status, sighting.dispatch_status_at = status, now
        sighting.save(update_fields=["dispatch_status", "dispatch_status_at"])
        if status in CLOSING_REPORTS:
            unit.status, unit.assignment, unit.assigned_at = PatrolUnit.Status.AVAILABLE, None, None
        else:
            unit.status = status
        # The 112 room's dashboards show the unit's report on the hit at once.
        _after_commit(sighting_update_announce, sighting.id)
    else:
        if unit.assignment_id is not None:
            raise UnitConflict(
                _("%(unit)s is on an assignment: report an arrest or lost contact first.") % {"unit": unit.call_sign}
            )
        unit.status = status
    unit.status_at = now
    unit.save(update_fields=["status", "status_at", "assignment", "assigned_at"])
    _after_commit(unit_announce, unit.id, event_type=UNIT_STATE)
    return unit


def unit_assign(*, unit: PatrolUnit, sighting: Sighting, actor: Any) -> None:
    """Sends the unit to the hit, inside the dispatch's transaction with both rows locked by the caller.

    A unit on an assignment may be sent again only to a newer hit of the same vehicle (the 112 room re-targets
    it as the vehicle is read further on). The location given to the unit is a disclosure: one ledger entry.
    """
    if unit.status == PatrolUnit.Status.OFF_DUTY:
        raise UnitConflict(_("%(unit)s is off duty.") % {"unit": unit.call_sign})
    if unit.assignment_id is not None and unit.assignment_id != sighting.id:
        current_order = Sighting.objects.filter(pk=unit.assignment_id).values_list("order_id", flat=True).first()
        if current_order != sighting.order_id:
            raise UnitConflict(_("%(unit)s is already sent to another vehicle.") % {"unit": unit.call_sign})
    now = timezone.now()
    unit.assignment, unit.assigned_at = sighting, now
    unit.status, unit.status_at = PatrolUnit.Status.ASSIGNED, now
    unit.save(update_fields=["assignment", "assigned_at", "status", "status_at"])
    ledger_record_unit_location(
        sighting=sighting,
        order=sighting.order,
        camera=sighting.camera,
        unit_call_sign=unit.call_sign,
        unit_agency=unit.agency,
        dispatched_by=actor,
    )
    _after_commit(unit_announce, unit.id, event_type=UNIT_ASSIGNMENT)
