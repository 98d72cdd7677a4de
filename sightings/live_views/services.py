"""Live views: an officer working an urgent order asks to watch one camera; the camera's centre approves for a
limited time or denies; the picture comes from the centre's own video server at signed, expiring addresses.

Approval is a disclosure under PIPA 18(2): it writes a ledger entry in the same transaction, and the end of the
session (early by either side, or when its time runs out) writes a second entry with the actual end and who
watched (docs/LIVE_VIEW.md).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sightings import permissions
from sightings.live import alerts
from sightings.live_views import selectors as live_selectors
from sightings.live_views import stream_signing
from sightings.models import Camera, LiveVideoServer, LiveView, LiveViewViewer, PatrolUnit, Sighting, WantedOrder
from sightings.units.events import unit_group
from wassweb import service_errors


class LiveViewConflict(service_errors.Conflict):
    """The live view is no longer in a state that allows the operation (already decided, ended)."""


class LiveViewForbidden(service_errors.Forbidden):
    """The person may see the live view but not do this to it."""


class LiveViewGone(service_errors.Gone):
    """The approval has run out (or the session ended): no more picture."""


OPEN = (LiveView.Status.REQUESTED, LiveView.Status.APPROVED)
_RELATIONS = ("order", "camera", "municipality", "requested_by", "agency", "decided_by", "ended_by", "unit")


def live_view_payload(live_view: LiveView) -> dict[str, Any]:
    return {
        "type": "live_view",
        "id": str(live_view.id),
        "status": live_view.status,
        "order": str(live_view.order_id),
        "sighting": str(live_view.sighting_id) if live_view.sighting_id else None,
        "municipality": live_view.municipality.code,
        "camera": live_view.camera.code,
        "approved_until": live_view.approved_until.isoformat() if live_view.approved_until else None,
        "ended_at": live_view.ended_at.isoformat() if live_view.ended_at else None,
    }


def _notify_after_commit(live_view: LiveView, *, requester: bool) -> None:
    payload = live_view_payload(live_view)
    code = live_view.municipality.code
    user_id = live_view.requested_by_id
    # The named unit's terminals hear the decision and the end (not the request: they have nothing to do with it).
    unit_frame = live_selectors.live_view_unit_frame(live_view) if live_view.unit_id and requester else None
    unit_id = live_view.unit_id

    def send() -> None:
        sends = [(alerts.municipality_group(code), alerts.LIVE_VIEW_UPDATE, payload)]
        if requester:
            sends.append((alerts.user_group(user_id), alerts.LIVE_VIEW_UPDATE, payload))
        if unit_frame is not None:
            sends.append((unit_group(unit_id), alerts.LIVE_VIEW_UPDATE, unit_frame))
        alerts.send_to_groups(sends)

    transaction.on_commit(send)


def live_view_allowed_minutes(order: WantedOrder, *, now: dt.datetime | None = None) -> int:
    """The longest approval the order allows now: LIVE_VIEW_MAX_MINUTES, and never past the order's expiry."""
    now = now or timezone.now()
    left = math.floor((order.expires_at - now).total_seconds() / 60)
    return max(0, min(settings.LIVE_VIEW_MAX_MINUTES, left))


def live_view_default_minutes(order: WantedOrder, *, now: dt.datetime | None = None) -> int:
    return min(settings.LIVE_VIEW_DEFAULT_MINUTES, live_view_allowed_minutes(order, now=now))


def _order_refusal(order: WantedOrder) -> str | None:
    if not order.is_active:
        return _("The wanted order is no longer active; a live view needs an active order.")
    if order.priority != WantedOrder.Priority.URGENT:
        return _("Live views are only for urgent orders (a life in danger or a serious crime in progress).")
    return None


@transaction.atomic
def live_view_request(
    *,
    requested_by: Any,
    order: WantedOrder,
    camera: Camera,
    reason: str,
    sighting: Sighting | None = None,
    unit: PatrolUnit | None = None,
) -> LiveView:
    """Addresses a request to watch `camera` live to the camera's municipality."""
    errors: dict[str, str] = {}
    order = WantedOrder.objects.select_for_update().get(pk=order.pk)
    refusal = _order_refusal(order)
    if refusal:
        errors["order"] = refusal
    if sighting is not None and sighting.order_id != order.pk:
        errors["sighting"] = _("The sighting belongs to another wanted order.")
    if not camera.active:
        errors["camera"] = _("The camera is not active.")
    elif LiveView.objects.filter(requested_by=requested_by, camera=camera, order=order, status__in=OPEN).exists():
        errors["camera"] = _("You already have an open live view of this camera for this order.")
    if unit is not None and unit.agency_id != requested_by.agency_id:
        errors["unit"] = _("Name a patrol unit of your own agency.")
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Say why the live picture is needed.")
    if errors:
        raise ValidationError(errors)
    live_view = LiveView.objects.create(
        order=order,
        camera=camera,
        municipality=camera.municipality,
        sighting=sighting,
        unit=unit,
        reason=reason,
        requested_by=requested_by,
        agency_id=requested_by.agency_id,
    )
    _notify_after_commit(live_view, requester=False)
    return live_view


def _lock(live_view: LiveView) -> LiveView:
    return LiveView.objects.select_for_update(of=("self",)).select_related(*_RELATIONS).get(pk=live_view.pk)


def _pending_lapsed(live_view: LiveView, now: dt.datetime) -> bool:
    return (
        live_view.is_requested
        and live_view.created_at + dt.timedelta(minutes=settings.LIVE_VIEW_PENDING_MINUTES) <= now
    )


@transaction.atomic
def live_view_approve(*, live_view: LiveView, approved_by: Any, minutes: int | None = None) -> LiveView:
    """Allows the live view for `minutes` (the default length when None), and writes the ledger entry."""
    live_view = _lock(live_view)
    refusal = permissions.live_view_decide_refusal(approved_by, live_view)
    if refusal:
        raise LiveViewForbidden(refusal)
    now = timezone.now()
    if not live_view.is_requested:
        raise LiveViewConflict(_("The request has already been decided."))
    if _pending_lapsed(live_view, now):
        raise LiveViewConflict(_("The request waited too long and has lapsed; the officer may ask again."))
    refusal = _order_refusal(live_view.order)
    if refusal:
        raise ValidationError({"order": refusal})
    allowed = live_view_allowed_minutes(live_view.order, now=now)
    if minutes is None:
        minutes = live_view_default_minutes(live_view.order, now=now)
    if allowed < 1:
        raise ValidationError({"minutes": _("The order expires within a minute; a live view cannot be allowed.")})
    if not 1 <= minutes <= allowed:
        raise ValidationError({"minutes": _("Allow between 1 and %(max)d minutes for this order.") % {"max": allowed}})
    live_view.status = LiveView.Status.APPROVED
    live_view.decided_by = approved_by
    live_view.decided_at = now
    live_view.approved_until = now + dt.timedelta(minutes=minutes)
    live_view.save(update_fields=["status", "decided_by", "decided_at", "approved_until"])
    _record(live_view)
    _notify_after_commit(live_view, requester=True)
    return live_view


def _record(live_view: LiveView) -> None:
    # Looked up at call time so the ledger module stays the single writer of entries.
    from audit import services as audit_services

    audit_services.ledger_record_live_view(live_view=live_view)


def _record_end(live_view: LiveView) -> None:
    from audit import services as audit_services

    viewers = [
        {
            "user": row.user.get_username(),
            "user_id": row.user_id,
            # The call sign when the named unit's terminal watched (with its unit key), else None.
            "unit": row.unit.call_sign if row.unit_id else None,
            "first": row.first_at.isoformat(),
            "last": row.last_at.isoformat(),
            "fetches": row.fetches,
        }
        for row in live_selectors.live_view_viewers(live_view)
    ]
    audit_services.ledger_record_live_view_end(live_view=live_view, viewers=viewers)


@transaction.atomic
def live_view_deny(*, live_view: LiveView, denied_by: Any, reason: str) -> LiveView:
    live_view = _lock(live_view)
    refusal = permissions.live_view_decide_refusal(denied_by, live_view)
    if refusal:
        raise LiveViewForbidden(refusal)
    if not live_view.is_requested:
        raise LiveViewConflict(_("The request has already been decided."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the denial; the officer is told.")})
    live_view.status = LiveView.Status.DENIED
    live_view.decided_by = denied_by
    live_view.decided_at = timezone.now()
    live_view.deny_reason = reason
    live_view.save(update_fields=["status", "decided_by", "decided_at", "deny_reason"])
    _notify_after_commit(live_view, requester=True)
    return live_view


def _close(live_view: LiveView, *, status: str, at: dt.datetime, by: Any = None) -> None:
    """Ends a locked, approved live view and writes the closing ledger entry."""
    live_view.status = status
    live_view.ended_at = at
    live_view.ended_by = by
    live_view.save(update_fields=["status", "ended_at", "ended_by"])
    _record_end(live_view)
    _notify_after_commit(live_view, requester=True)


@transaction.atomic
def live_view_end(*, live_view: LiveView, ended_by: Any, api_key: Any = None) -> LiveView:
    """Ends the session now: the officer who asked for it, or the camera's centre, from either side."""
    live_view = _lock(live_view)
    refusal = permissions.live_view_end_refusal(ended_by, live_view, api_key=api_key)
    if refusal:
        raise LiveViewForbidden(refusal)
    now = timezone.now()
    if live_view.is_requested and live_view.requested_by_id == ended_by.pk:
        # Withdrawn before the centre decided: nothing was disclosed, so no ledger entry.
        live_view.status = LiveView.Status.ENDED
        live_view.ended_at, live_view.ended_by = now, ended_by
        live_view.save(update_fields=["status", "ended_at", "ended_by"])
        _notify_after_commit(live_view, requester=True)
        return live_view
    if live_view.status != LiveView.Status.APPROVED:
        raise LiveViewConflict(_("This live view is not running."))
    if live_view.approved_until <= now:
        _close(live_view, status=LiveView.Status.EXPIRED, at=live_view.approved_until)
        return live_view
    _close(live_view, status=LiveView.Status.ENDED, at=now, by=ended_by)
    return live_view


def live_views_expire(*, now: dt.datetime | None = None) -> int:
    """Closes approved sessions past their time (or whose order closed) and lapses undecided requests. Beat runs it
    every 30 seconds; a stream fetch does the same for its own live view first, so no fetch waits for beat."""
    now = now or timezone.now()
    due = LiveView.objects.filter(status=LiveView.Status.APPROVED, approved_until__lte=now).values_list("pk", flat=True)
    closed_order = (
        LiveView.objects.filter(status=LiveView.Status.APPROVED)
        .exclude(WantedOrder.objects.active_q("order__", now=now))
        .values_list("pk", flat=True)
    )
    stale = LiveView.objects.filter(
        status=LiveView.Status.REQUESTED,
        created_at__lte=now - dt.timedelta(minutes=settings.LIVE_VIEW_PENDING_MINUTES),
    ).values_list("pk", flat=True)
    count = 0
    for pk in {*due, *closed_order, *stale}:
        count += live_view_expire_one(live_view_id=pk, now=now)
    return count


@transaction.atomic
def live_view_expire_one(*, live_view_id: Any, now: dt.datetime | None = None) -> int:
    """Expires one live view if its time is over; 1 when it did."""
    now = now or timezone.now()
    live_view = LiveView.objects.select_for_update(of=("self",)).select_related(*_RELATIONS).get(pk=live_view_id)
    if live_view.status == LiveView.Status.APPROVED:
        if live_view.approved_until <= now:
            _close(live_view, status=LiveView.Status.EXPIRED, at=live_view.approved_until)
            return 1
        if not live_view.order.is_active:
            _close(live_view, status=LiveView.Status.EXPIRED, at=now)
            return 1
    elif _pending_lapsed(live_view, now):
        live_view.status = LiveView.Status.EXPIRED
        live_view.ended_at = now
        live_view.save(update_fields=["status", "ended_at"])
        _notify_after_commit(live_view, requester=True)
        return 1
    return 0


@dataclass(frozen=True)
class StreamAddress:
    url: str
    expires_at: dt.datetime
    approved_until: dt.datetime
    # When the player should fetch a fresh address: well before this one expires.
    refresh_after_seconds: int


def live_view_stream(*, live_view: LiveView, viewer: Any, api_key: Any = None) -> StreamAddress:
    """A signed, expiring address of the camera's stream for a named viewer of a running session; each fetch is
    counted as a view of the session (its viewers and their first and last fetch go into the closing entry)."""
    if not permissions.live_view_is_viewer(viewer, live_view, api_key=api_key):
        raise LiveViewForbidden(_("Only the requesting officer and the named unit's terminal get the picture."))
    now = timezone.now()
    if live_view_expire_one(live_view_id=live_view.pk, now=now):
        raise LiveViewGone(_("The approval for this live view has run out."))
    with transaction.atomic():
        live_view = _lock(live_view)
        if live_view.status in (LiveView.Status.ENDED, LiveView.Status.EXPIRED):
            raise LiveViewGone(_("This live view has ended."))
        if live_view.status != LiveView.Status.APPROVED:
            raise LiveViewConflict(_("This live view has not been approved."))
        server = LiveVideoServer.objects.filter(municipality_id=live_view.municipality_id).first()
        if server is None:
            raise LiveViewConflict(_("The camera's centre has no video server configured for live views."))
        if live_view.started_at is None:
            live_view.started_at = now
            live_view.save(update_fields=["started_at"])
        # A unit key watches as the unit's terminal (permissions.live_view_is_viewer allowed it for that unit only).
        unit_id = getattr(api_key, "unit_id", None)
        updated = LiveViewViewer.objects.filter(live_view=live_view, user=viewer, unit_id=unit_id).update(
            last_at=now, fetches=F("fetches") + 1
        )
        if not updated:
            LiveViewViewer.objects.create(
                live_view=live_view, user=viewer, unit_id=unit_id, first_at=now, last_at=now, fetches=1
            )
    expires_at = min(live_view.approved_until, now + dt.timedelta(seconds=settings.LIVE_VIEW_LINK_SECONDS))
    url = stream_signing.stream_url(
        server.base_url,
        bytes(server.secret),
        camera=live_view.camera.code,
        view=str(live_view.id),
        exp=math.ceil(expires_at.timestamp()),
    )
    return StreamAddress(
        url=url,
        expires_at=expires_at,
        approved_until=live_view.approved_until,
        refresh_after_seconds=max(5, settings.LIVE_VIEW_LINK_SECONDS // 2),
    )


@transaction.atomic
def live_video_server_set(*, municipality: Any, base_url: str, rotate: bool = False) -> tuple[LiveVideoServer, bytes]:
    """Sets a centre's video server address (and a new secret when rotating or new); returns the secret to hand over."""
    server = LiveVideoServer.objects.select_for_update().filter(municipality=municipality).first()
    if server is None:
        server = LiveVideoServer.objects.create(municipality=municipality, base_url=base_url)
    else:
        server.base_url = base_url
        server.updated_at = timezone.now()
        fields = ["base_url", "updated_at"]
        if rotate:
            server.secret = LiveVideoServer._meta.get_field("secret").get_default()
            fields.append("secret")
        server.save(update_fields=fields)
    return server, bytes(server.secret)
