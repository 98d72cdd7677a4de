"""Writes on wanted orders: issue, renew, cancel, resolve, expire. Every change writes an OrderEvent.

The ingest worker takes max(OrderEvent.id) as the hotlist's version, so a change that wrote no event would
leave the old hotlist matching: each function here writes exactly one event per order it changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.purposes import purpose_errors
from sightings.models import OrderEvent, Sighting, WantedOrder
from sightings.plates import PlateError, parse_pattern, parse_plate
from wassweb import service_errors

# An order runs for a week unless the officer says otherwise, and never more than 30 days at a time;
# keeping it longer takes a renewal with a fresh reason.
ORDER_DEFAULT_DURATION = dt.timedelta(days=7)
ORDER_MAX_DURATION = dt.timedelta(days=30)
ORDER_MIN_DURATION = dt.timedelta(minutes=10)
VEHICLE_FIELDS = ("make", "model", "colour", "kind", "year", "notes")
VEHICLE_FIELD_MAX_LENGTH = 200


class OrderClosed(service_errors.Conflict):
    """The order is no longer active, so it cannot be changed."""


class OrderDuplicate(service_errors.Conflict):
    """An active order already searches for this plate (or pattern); `existing` names it."""

    def __init__(self, message: str, *, existing: WantedOrder) -> None:
        super().__init__(message)
        self.existing = existing


def _lock_plate(key: str) -> None:
    """Serialises issuing orders for one plate, so two officers pressing at once cannot both get one.

    SQLite takes the database write lock when the transaction begins (transaction_mode IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"wantedorder:{key}"])


def _refuse_duplicate(*, plate: str, pattern: str, case_number: str, separate_case: bool) -> None:
    """Refuses an order for a plate that an active order already searches for.

    Two active orders for one plate double every hit, every alert and every ledger entry. A second order is
    allowed only when the officer says it is for a separate case, under a case number no active order for the
    plate has: two investigations (another crime, another agency) each keep their own purpose, legal basis and
    expiry, and the ledger records each disclosure under the order it was made for.
    """
    _lock_plate(plate or pattern)
    searching = WantedOrder.objects.active().filter(plate=plate, pattern=pattern)
    existing = list(searching.select_related("agency").order_by("created_at"))
    if not existing:
        return
    first = existing[0]
    same_case = next((order for order in existing if case_number and order.case_number == case_number), None)
    named = {"plate": plate or pattern, "case": first.case_number or "—", "agency": first.agency.name}
    if same_case is not None:
        raise OrderDuplicate(
            _(
                "An active order for %(plate)s under the same case number already exists (%(agency)s); "
                "renew that order instead of issuing another."
            )
            % {**named, "agency": same_case.agency.name},
            existing=same_case,
        )
    if not separate_case:
        raise OrderDuplicate(
            _(
                "An active order already searches for %(plate)s (case %(case)s, %(agency)s). Every read would "
                "make two hits. Issue a second order only for a separate case, and say so."
            )
            % named,
            existing=first,
        )
    if not case_number:
        raise OrderDuplicate(
            _("A separate order for %(plate)s needs its own case number, so the two cases can be told apart.") % named,
            existing=first,
        )


def order_expiry_errors(expires_at: dt.datetime | None, *, now: dt.datetime) -> dict[str, str]:
    if expires_at is None:
        return {}
    if timezone.is_naive(expires_at):
        return {"expires_at": _("Give the expiry with its time zone offset, e.g. 2026-11-30T18:00:00+09:00.")}
    if expires_at < now + ORDER_MIN_DURATION:
        return {"expires_at": _("The expiry must be at least 10 minutes in the future.")}
    if expires_at > now + ORDER_MAX_DURATION:
        return {"expires_at": _("An order runs for at most 30 days at a time; renew it to keep it longer.")}
    return {}


def _clean_vehicle(vehicle: Any) -> tuple[dict[str, str], dict[str, str]]:
    if vehicle in (None, ""):
        return {}, {}
    if not isinstance(vehicle, dict):
        return {}, {"vehicle": _('Describe the vehicle as an object, e.g. {"make": "Hyundai", "colour": "white"}.')}
    unknown = sorted(set(vehicle) - set(VEHICLE_FIELDS))
    if unknown:
        return {}, {
            "vehicle": _("Unknown vehicle fields: %(unknown)s (allowed: %(allowed)s).")
            % {"unknown": ", ".join(map(str, unknown)), "allowed": ", ".join(VEHICLE_FIELDS)}
        }
    cleaned: dict[str, str] = {}
    for key, value in vehicle.items():
        if value is None:
            continue
        if not isinstance(value, str | int) or isinstance(value, bool):
            return {}, {"vehicle": _("Vehicle field %(field)s must be text.") % {"field": key}}
        text = str(value).strip()
        if len(text) > VEHICLE_FIELD_MAX_LENGTH:
            return {}, {"vehicle": _("Vehicle field %(field)s is too long.") % {"field": key}}
        if text:
            cleaned[key] = text
    return cleaned, {}


@transaction.atomic
def order_create(
    *,
    issued_by: Any,
    crime: str,
    legal_basis: str,
    plate: str = "",
    pattern: str = "",
    case_number: str = "",
    urgency_confirmed_by: str = "",
    vehicle: dict[str, Any] | None = None,
    priority: str = WantedOrder.Priority.HIGH,
    expires_at: dt.datetime | None = None,
    separate_case: bool = False,
) -> WantedOrder:
    """Issues an order for the officer's agency after the purpose check; raises ValidationError by field, and
    OrderDuplicate when an active order already searches for the plate (unless `separate_case`, see
    _refuse_duplicate)."""
    now = timezone.now()
    plate, pattern = (plate or "").strip(), (pattern or "").strip()
    case_number, urgency_confirmed_by = (case_number or "").strip(), (urgency_confirmed_by or "").strip()
    errors: dict[str, str] = {}
    if bool(plate) == bool(pattern):
        errors["plate"] = _("Give either the full plate or a partial-plate pattern, not both and not neither.")
    elif plate:
        try:
            plate = parse_plate(plate).text
        except PlateError as error:
            errors["plate"] = str(error)
    else:
        try:
            pattern = parse_pattern(pattern)
        except PlateError as error:
            errors["pattern"] = str(error)
    errors.update(
        purpose_errors(
            crime=crime, legal_basis=legal_basis, case_number=case_number, urgency_confirmed_by=urgency_confirmed_by
        )
    )
    if priority not in WantedOrder.Priority.values:
        errors["priority"] = _("Priority is one of %(choices)s.") % {"choices": ", ".join(WantedOrder.Priority.values)}
    errors.update(order_expiry_errors(expires_at, now=now))
    cleaned_vehicle, vehicle_errors = _clean_vehicle(vehicle)
    errors.update(vehicle_errors)
    if len(case_number) > 40:
        errors["case_number"] = _("A case number has at most 40 characters.")
    if len(urgency_confirmed_by) > 120:
        errors["urgency_confirmed_by"] = _("At most 120 characters.")
    if errors:
        raise ValidationError(errors)
    _refuse_duplicate(plate=plate, pattern=pattern, case_number=case_number, separate_case=separate_case)

    order = WantedOrder.objects.create(
        plate=plate,
        pattern=pattern,
        vehicle=cleaned_vehicle,
        crime=crime,
        legal_basis=legal_basis,
        case_number=case_number,
        urgency_confirmed_by=urgency_confirmed_by,
        issued_by=issued_by,
        agency_id=issued_by.agency_id,
        priority=priority,
        created_at=now,
        expires_at=expires_at or now + ORDER_DEFAULT_DURATION,
    )
    OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.CREATED, actor=issued_by, reason="", at=now)
    if plate:
        # The look-back search reads the committed order; it runs in a worker (inline in the demo).
        from sightings.tasks import order_lookback_search

        order_id = str(order.id)
        transaction.on_commit(lambda: order_lookback_search.delay(order_id))
    return order


def _locked_active(order: WantedOrder) -> WantedOrder:
    locked = WantedOrder.objects.select_for_update().get(pk=order.pk)
    if locked.status != WantedOrder.Status.ACTIVE:
        raise OrderClosed(_("The order is %(status)s and cannot be changed.") % {"status": locked.get_status_display()})
    return locked


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason; it is kept with the order's history.")})
    if len(reason) > 1000:
        raise ValidationError({"reason": _("At most 1000 characters.")})
    return reason


@transaction.atomic
def order_renew(*, order: WantedOrder, actor: Any, reason: str, expires_at: dt.datetime | None = None) -> WantedOrder:
    """Extends an active order (default: another default period from now) with a fresh reason."""
    reason = _reason(reason)
    now = timezone.now()
    errors = order_expiry_errors(expires_at, now=now)
    if errors:
        raise ValidationError(errors)
    order = _locked_active(order)
    if order.expires_at <= now:
        raise OrderClosed(_("The order has expired; issue a new order with a fresh purpose check."))
    new_expiry = expires_at or now + ORDER_DEFAULT_DURATION
    if new_expiry <= order.expires_at:
        raise ValidationError({"expires_at": _("A renewal must move the expiry later than it is now.")})
    order.expires_at = new_expiry
    order.save(update_fields=["expires_at"])
    OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.RENEWED, actor=actor, reason=reason, at=now)
    return order


def _close(order: WantedOrder, *, actor: Any, reason: str, status: str, kind: str) -> WantedOrder:
    reason = _reason(reason)
    now = timezone.now()
    order = _locked_active(order)
    order.status = status
    order.closed_at = now
    order.save(update_fields=["status", "closed_at"])
    OrderEvent.objects.create(order=order, kind=kind, actor=actor, reason=reason, at=now)
    return order


@transaction.atomic
def order_cancel(*, order: WantedOrder, actor: Any, reason: str) -> WantedOrder:
    """Withdraws an active order (issued by mistake, no longer needed); it stops matching at once."""
    return _close(
        order, actor=actor, reason=reason, status=WantedOrder.Status.CANCELLED, kind=OrderEvent.Kind.CANCELLED
    )


@transaction.atomic
def order_resolve(*, order: WantedOrder, actor: Any, reason: str) -> WantedOrder:
    """Closes an active order because the vehicle was found or the person is safe."""
    return _close(order, actor=actor, reason=reason, status=WantedOrder.Status.RESOLVED, kind=OrderEvent.Kind.RESOLVED)


@transaction.atomic
def orders_expire_due(*, now: dt.datetime | None = None) -> int:
    """Marks active orders past their expiry as expired, one event each; returns how many."""
    now = now or timezone.now()
    due = list(
        WantedOrder.objects.select_for_update(skip_locked=True)
        .filter(status=WantedOrder.Status.ACTIVE, expires_at__lte=now)
        .order_by("expires_at")
    )
    for order in due:
        order.status = WantedOrder.Status.EXPIRED
        order.closed_at = now
    WantedOrder.objects.bulk_update(due, ["status", "closed_at"])
    OrderEvent.objects.bulk_create(
        OrderEvent(order=order, kind=OrderEvent.Kind.EXPIRED, actor=None, reason="expiry time reached", at=now)
        for order in due
    )
    return len(due)


def order_lookback_search(*, order_id: str) -> list[Sighting]:
    """Finds the order's plate in the look-back buffers and delivers what was found like a live hit."""
    from sightings.hits.delivery import sightings_deliver
    from sightings.reads.lookback import lookback_search

    with transaction.atomic():
        order = WantedOrder.objects.filter(pk=order_id).first()
        if order is None:
            return []
        found = lookback_search(order=order)
        # A retrospective hit is delivered to the police like a live one: it is a disclosure too.
        sightings_deliver(sightings=found)
    return found
