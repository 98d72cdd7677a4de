"""Anomaly flags for auditors: patterns in the ledger and the access log that deserve a second look.

A flag is not a finding: an urgent request at night is lawful, a detective on a live case looks at one plate
often. The thresholds below decide what is shown, and are named on the page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncHour
from django.utils.translation import gettext_lazy as _

from audit.models import AccessLogEntry, DisclosureEntry, ledger_reference

REPEATED_LOOKUPS = 10  # one person, one plate, within the period
BULK_ACCESS_PER_HOUR = 200  # access-log rows of one person within one clock hour
# Failed sign-ins for one username within the period, from at least this many addresses: someone trying the
# account from several places. The lock-out is per address, so this is where it shows (accounts.backends).
SIGN_IN_FAILURES = 5
SIGN_IN_FAILURE_ADDRESSES = 2
WORKING_HOURS = (9, 18)  # KST, Monday to Friday; public holidays are not modelled
MAX_FLAGS_PER_KIND = 200


class Kind:
    REPEATED_LOOKUP = "repeated_lookup"
    NO_ACTIVE_ORDER = "no_active_order"
    OUTSIDE_HOURS = "outside_hours"
    BULK_ACCESS = "bulk_access"
    SAME_BODY = "same_body"
    SIGN_IN_FAILURES = "sign_in_failures"


KIND_LABELS = {
    Kind.REPEATED_LOOKUP: _("Same person looking up one plate repeatedly"),
    Kind.NO_ACTIVE_ORDER: _("Disclosure or request without an active wanted order"),
    Kind.OUTSIDE_HOURS: _("Footage approved outside working hours"),
    Kind.BULK_ACCESS: _("Bulk access"),
    Kind.SAME_BODY: _("Requester and approver from the same body"),
    Kind.SIGN_IN_FAILURES: _("Failed sign-ins for one username from several addresses"),
}


@dataclass(frozen=True)
class Flag:
    kind: str
    at: dt.datetime
    who: str
    detail: str
    entry_id: object = None  # a ledger entry to open, when the flag is about one
    count: int = 0

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


def _repeated_lookups(since: dt.datetime, until: dt.datetime) -> list[Flag]:
    rows = (
        AccessLogEntry.objects.filter(at__gte=since, at__lt=until, actor__isnull=False)
        .exclude(plate="")
        .values("actor_label", "plate")
        .annotate(n=Count("id"), last=Max("at"))
        .filter(n__gte=REPEATED_LOOKUPS)
        .order_by("-n")[:MAX_FLAGS_PER_KIND]
    )
    return [
        Flag(
            Kind.REPEATED_LOOKUP,
            row["last"],
            row["actor_label"],
            str(_("%(n)d look-ups of %(plate)s") % {"n": row["n"], "plate": row["plate"]}),
            count=row["n"],
        )
        for row in rows
    ]


def _without_active_order(since: dt.datetime, until: dt.datetime) -> list[Flag]:
    FootageRequest = ledger_reference("footage_request")  # sightings' model, through the ledger's relation

    inactive_at_provision = (
        Q(order__isnull=True)
        | Q(order__created_at__gt=F("provided_at"))
        | Q(order__expires_at__lte=F("provided_at"))
        | Q(order__closed_at__lte=F("provided_at"))
    )
    entries = (
        DisclosureEntry.objects.filter(provided_at__gte=since, provided_at__lt=until)
        .filter(inactive_at_provision)
        .select_related("order", "requester")
        .order_by("-sequence")[:MAX_FLAGS_PER_KIND]
    )
    flags = [
        Flag(
            Kind.NO_ACTIVE_ORDER,
            entry.provided_at,
            entry.requester.username if entry.requester else entry.recipient,
            str(
                _("Ledger entry #%(sequence)d (%(kind)s, case %(case)s): the order was %(state)s")
                % {
                    "sequence": entry.sequence,
                    "kind": entry.get_kind_display(),
                    "case": entry.case_number or "—",
                    "state": entry.order.get_status_display() if entry.order else _("missing"),
                }
            ),
            entry_id=entry.id,
        )
        for entry in entries
    ]
    requests = (
        FootageRequest.objects.filter(created_at__gte=since, created_at__lt=until)
        .filter(Q(order__expires_at__lte=F("created_at")) | Q(order__closed_at__lte=F("created_at")))
        .select_related("order", "requested_by")
        .order_by("-created_at")[:MAX_FLAGS_PER_KIND]
    )
    flags += [
        Flag(
            Kind.NO_ACTIVE_ORDER,
            request.created_at,
            request.requested_by.username,
            str(
                _("Footage request for case %(case)s made after the order was %(state)s")
                % {"case": request.case_number, "state": request.order.get_status_display()}
            ),
        )
        for request in requests
    ]
    return flags


def _outside_hours(since: dt.datetime, until: dt.datetime) -> list[Flag]:
    start, end = WORKING_HOURS
    entries = (
        DisclosureEntry.objects.filter(kind=DisclosureEntry.Kind.FOOTAGE, provided_at__gte=since, provided_at__lt=until)
        .annotate(hour=ExtractHour("provided_at"), weekday=ExtractIsoWeekDay("provided_at"))
        .filter(Q(hour__lt=start) | Q(hour__gte=end) | Q(weekday__gte=6))
        .select_related("approver", "footage_request")
        .order_by("-sequence")[:MAX_FLAGS_PER_KIND]
    )
    flags = []
    for entry in entries:
        urgent = bool(entry.footage_request and entry.footage_request.urgent)
        detail = _("Ledger entry #%(sequence)d, case %(case)s") % {
            "sequence": entry.sequence,
            "case": entry.case_number or "—",
        }
        if urgent:
            detail = f"{detail} · {_('marked urgent (life in danger)')}"
        who = entry.approver.username if entry.approver else "—"
        flags.append(Flag(Kind.OUTSIDE_HOURS, entry.provided_at, who, str(detail), entry_id=entry.id))
    return flags


def _bulk_access(since: dt.datetime, until: dt.datetime) -> list[Flag]:
    rows = (
        AccessLogEntry.objects.filter(at__gte=since, at__lt=until, actor__isnull=False)
        .annotate(hour=TruncHour("at"))
        .values("actor_label", "hour")
        .annotate(n=Count("id"))
        .filter(n__gte=BULK_ACCESS_PER_HOUR)
        .order_by("-n")[:MAX_FLAGS_PER_KIND]
    )
    return [
        Flag(
            Kind.BULK_ACCESS,
            row["hour"],
            row["actor_label"],
            str(_("%(n)d accesses within one hour") % {"n": row["n"]}),
            count=row["n"],
        )
        for row in rows
    ]


def _same_body(since: dt.datetime, until: dt.datetime) -> list[Flag]:
    entries = (
        DisclosureEntry.objects.filter(
            kind=DisclosureEntry.Kind.FOOTAGE, provided_at__gte=since, provided_at__lt=until, approver__isnull=False
        )
        .filter(
            Q(approver=F("requester"))
            | Q(approver__agency__isnull=False, approver__agency=F("requester__agency"))
            | Q(approver__municipality__isnull=False, approver__municipality=F("requester__municipality"))
        )
        .select_related("approver", "requester")
        .order_by("-sequence")[:MAX_FLAGS_PER_KIND]
    )
    return [
        Flag(
            Kind.SAME_BODY,
            entry.provided_at,
            f"{entry.requester.username if entry.requester else '—'} → {entry.approver.username}",
            str(
                _("Ledger entry #%(sequence)d, case %(case)s")
                % {"sequence": entry.sequence, "case": entry.case_number or "—"}
            ),
            entry_id=entry.id,
        )
        for entry in entries
    ]


def _sign_in_failures(since: dt.datetime, until: dt.datetime) -> list[Flag]:
    rows = (
        AccessLogEntry.objects.filter(
            at__gte=since, at__lt=until, action="login", outcome=AccessLogEntry.Outcome.DENIED, object_type="user"
        )
        .exclude(object_id="")
        .values("object_id")
        .annotate(n=Count("id"), addresses=Count("ip", distinct=True), last=Max("at"))
        .filter(n__gte=SIGN_IN_FAILURES, addresses__gte=SIGN_IN_FAILURE_ADDRESSES)
        .order_by("-n")[:MAX_FLAGS_PER_KIND]
    )
    return [
        Flag(
            Kind.SIGN_IN_FAILURES,
            row["last"],
            row["object_id"],
            str(
                _("%(n)d failed sign-ins from %(addresses)d addresses") % {"n": row["n"], "addresses": row["addresses"]}
            ),
            count=row["n"],
        )
        for row in rows
    ]


def anomaly_flags(*, since: dt.datetime, until: dt.datetime) -> dict[str, list[Flag]]:
    """Every flag raised in [since, until), grouped by kind, newest or largest first."""
    return {
        Kind.REPEATED_LOOKUP: _repeated_lookups(since, until),
        Kind.NO_ACTIVE_ORDER: _without_active_order(since, until),
        Kind.OUTSIDE_HOURS: _outside_hours(since, until),
        Kind.BULK_ACCESS: _bulk_access(since, until),
        Kind.SAME_BODY: _same_body(since, until),
        Kind.SIGN_IN_FAILURES: _sign_in_failures(since, until),
    }
