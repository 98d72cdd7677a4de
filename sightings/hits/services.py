"""What officers do with a hit: verify it (confirmed / misread), acknowledge it, dispatch a patrol unit.

Each change is written under a row lock, so two people pressing the same button get one result and one clear
refusal, and reaches every dashboard that may see the hit once the transaction commits.
"""

from __future__ import annotations

import functools
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sightings.live.alerts import sighting_update_announce
from sightings.models import AssignmentStatus, PatrolUnit, Sighting
from sightings.units.services import unit_assign
from wassweb import service_errors

VERDICTS = (Sighting.Verification.CONFIRMED, Sighting.Verification.MISREAD)


class HitConflict(service_errors.Conflict):
    """The hit is not in a state that allows the action (already verified, marked misread, ...)."""


def _who(user: Any) -> str:
    return (user.get_full_name() or user.username) if user is not None else "?"


def _locked(sighting_id: UUID) -> Sighting:
    # Lock the sighting row only; the joined order and people are read, not locked.
    related = Sighting.objects.select_related(
        "order__agency", "camera__municipality__province", "verified_by", "acknowledged_by", "dispatched_by"
    )
    return related.select_for_update(of=("self",)).get(pk=sighting_id)


def _announce_after_commit(sighting: Sighting) -> None:
    transaction.on_commit(functools.partial(sighting_update_announce, sighting.id))


@transaction.atomic
def sighting_verify(*, sighting_id: UUID, actor: Any, verdict: str) -> Sighting:
    """Records a person's look at the photos: it is the wanted vehicle (confirmed) or a misread plate."""
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}")
    sighting = _locked(sighting_id)
    if sighting.verification != Sighting.Verification.UNVERIFIED:
        raise HitConflict(
            _("This hit was already verified as %(verdict)s by %(who)s.")
            % {"verdict": sighting.get_verification_display(), "who": _who(sighting.verified_by)}
        )
    sighting.verification = verdict
    sighting.verified_by = actor
    sighting.verified_at = timezone.now()
    sighting.save(update_fields=["verification", "verified_by", "verified_at"])
    _announce_after_commit(sighting)
    return sighting


@transaction.atomic
def sighting_acknowledge(*, sighting_id: UUID, actor: Any) -> Sighting:
    """A 112 room has taken the hit: every other dashboard sees that someone is on it."""
    sighting = _locked(sighting_id)
    if sighting.acknowledged_at is not None:
        raise HitConflict(_("This hit was already acknowledged by %(who)s.") % {"who": _who(sighting.acknowledged_by)})
    sighting.acknowledged_by = actor
    sighting.acknowledged_at = timezone.now()
    sighting.save(update_fields=["acknowledged_by", "acknowledged_at"])
    _announce_after_commit(sighting)
    return sighting


@transaction.atomic
def sighting_dispatch(*, sighting_id: UUID, actor: Any, unit_id: UUID) -> Sighting:
    """Sends a patrol unit to the vehicle: the hit names it (so no second car is sent by another room) and the
    unit's terminal gets the assignment, its location given to the unit recorded in the ledger.

    Whether the officer may send this unit at all (its agency) is decided before, in sightings.permissions.
    """
    # The unit first, then the hit: the order a unit's own status report locks them in.
    unit = PatrolUnit.objects.select_for_update(of=("self",)).select_related("agency").get(pk=unit_id)
    sighting = _locked(sighting_id)
    if not sighting.order.is_active:
        raise HitConflict(_("The order of this hit is no longer active."))
    if sighting.verification == Sighting.Verification.MISREAD:
        raise HitConflict(_("This hit was marked as a misread; nobody is sent to it."))
    if sighting.match_kind == Sighting.MatchKind.MISREAD and sighting.verification != Sighting.Verification.CONFIRMED:
        raise HitConflict(_("Possible misread: confirm the hit against the photo before sending a unit."))
    if sighting.dispatched_unit:
        raise HitConflict(
            _("Unit %(unit)s was already sent by %(who)s.")
            % {"unit": sighting.dispatched_unit, "who": _who(sighting.dispatched_by)}
        )
    unit_assign(unit=unit, sighting=sighting, actor=actor)
    sighting.dispatched_unit = unit.call_sign
    sighting.dispatched_by = actor
    sighting.dispatched_at = unit.assigned_at
    sighting.dispatch_status, sighting.dispatch_status_at = AssignmentStatus.ASSIGNED, unit.assigned_at
    if sighting.acknowledged_at is None:
        # Sending a unit is the strongest acknowledgement there is.
        sighting.acknowledged_by, sighting.acknowledged_at = actor, sighting.dispatched_at
    sighting.save(
        update_fields=[
            "dispatched_unit",
            "dispatched_by",
            "dispatched_at",
            "dispatch_status",
            "dispatch_status_at",
            "acknowledged_by",
            "acknowledged_at",
        ]
    )
    _announce_after_commit(sighting)
    return sighting
