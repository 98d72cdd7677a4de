"""The anomaly scans as they were before the access log was counted per hour (audit.access_counts): each read the
period's entries. Kept as the reference the counted scans must agree with (tests/audit/test_access_counts.py);
what the counting did not change (flags, thresholds, the ledger-only scans, helpers) is imported from
audit.anomalies, the scans that read the access log are as they were. Nothing else imports it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl
from uuid import UUID

from django.db.models import Case, CharField, Count, F, Max, Min, Q, Sum, Value, When, Window
from django.db.models.expressions import RowRange
from django.db.models.functions import (
    Concat,
    ExtractHour,
    ExtractIsoWeekDay,
    FirstValue,
    RowNumber,
    TruncDate,
    TruncHour,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Agency
from audit.anomalies import (  # unchanged by the counting: the reference shares them
    MAX_FLAGS_PER_KIND,
    NEWEST_FIRST,
    ORDER_KIND,
    SCAN_LIMIT,
    SIGHTING_KIND,
    Flag,
    Kind,
    Thresholds,
    _duplicate_orders,
    _entries_query,
    _most_within,
    _people_looks,
    _same_body,
    _sign_in_failures,
    _usernames,
    _uuid,
    public_holidays,
    thresholds,
)
from audit.filters import REFUSED_OUTCOMES
from audit.models import AccessLogEntry, DisclosureEntry, ledger_reference

# ---------------------------------------------------------------------------------------------------------
# Looks: one plate or order again and again, at night, in bulk, and by another agency
# ---------------------------------------------------------------------------------------------------------


def _repeated_lookups(since: dt.datetime, until: dt.datetime, limits: Thresholds) -> list[Flag]:
    """One person looking at one plate (or one pattern order) at least N times within the window."""
    looks = _people_looks(since, until).annotate(
        subject=Case(
            When(~Q(plate=""), then=F("plate")),
            When(Q(object_type=ORDER_KIND) & ~Q(object_id=""), then=Concat(Value("order:"), F("object_id"))),
            default=Value(""),
            output_field=CharField(),
        )
    )
    looks = looks.exclude(subject="")
    # Candidates first (enough looks in the whole period), then the window check on their looks only.
    candidates = list(
        looks.values("actor_id", "subject")
        .annotate(n=Count("id"), last=Max("at"), first=Min("at"))
        .filter(n__gte=limits.repeated_looks)
        .order_by("-n")[:MAX_FLAGS_PER_KIND]
    )
    if not candidates:
        return []
    times: dict[tuple[Any, str], list[dt.datetime]] = defaultdict(list)
    rows = (
        looks.filter(actor_id__in={c["actor_id"] for c in candidates}, subject__in={c["subject"] for c in candidates})
        .order_by("at")
        .values_list("actor_id", "subject", "at")[:SCAN_LIMIT]
    )
    for actor_id, subject, at in rows:
        times[(actor_id, subject)].append(at)
    window = dt.timedelta(minutes=limits.repeated_window_minutes)
    names = _usernames(c["actor_id"] for c in candidates)
    flags = []
    for candidate in candidates:
        most = _most_within(times.get((candidate["actor_id"], candidate["subject"]), []), window)
        if most < limits.repeated_looks:
            continue
        subject = candidate["subject"]
        order_id = _uuid(subject.removeprefix("order:")) if subject.startswith("order:") else None
        shown = _("order %(id)s") % {"id": str(order_id)[:8]} if order_id else subject
        person = names.get(candidate["actor_id"], "")
        flags.append(
            Flag(
                Kind.REPEATED_LOOKUP,
                candidate["last"],
                person,
                str(
                    _("%(n)d looks at %(subject)s, %(most)d of them within %(minutes)d minutes")
                    % {"n": candidate["n"], "subject": shown, "most": most, "minutes": limits.repeated_window_minutes}
                ),
                count=candidate["n"],
                person=person,
                order_id=order_id,
                entries=_entries_query(
                    person=person,
                    first=candidate["first"],
                    last=candidate["last"],
                    **({"object_type": ORDER_KIND, "object_id": str(order_id)} if order_id else {"plate": subject}),
                ),
            )
        )
    return flags


def _time_of_day(field_name: str) -> dict[str, Any]:
    """The hour, ISO weekday and date of a timestamp in the current zone (KST), for `_off_hours`."""
    return {
        "hour": ExtractHour(field_name),
        "weekday": ExtractIsoWeekDay(field_name),
        "day": TruncDate(field_name),
    }


def _off_hours(since: dt.datetime, until: dt.datetime, limits: Thresholds) -> Q:
    """Before or after working hours, on a day that is not a working day, or on a public holiday."""
    start, end = limits.working_hours
    off = Q(hour__lt=start) | Q(hour__gte=end) | ~Q(weekday__in=limits.working_days)
    holidays_in_period = public_holidays(since, until)
    return off | Q(day__in=holidays_in_period) if holidays_in_period else off


def _looks_outside_hours(since: dt.datetime, until: dt.datetime, limits: Thresholds) -> list[Flag]:
    """People shown sightings, orders or footage outside working hours (KST), at weekends or on holidays, per day."""
    rows = (
        _people_looks(since, until)
        .filter(shown__gt=0)
        .annotate(**_time_of_day("at"))
        .filter(_off_hours(since, until, limits))
        .values("actor_id", "day")
        .annotate(n=Count("id"), shown=Sum("shown"), first=Min("at"), last=Max("at"))
        .order_by("-day", "-n")[:MAX_FLAGS_PER_KIND]
    )
    rows = list(rows)
    names = _usernames(row["actor_id"] for row in rows)
    flags = []
    for row in rows:
        person = names.get(row["actor_id"], "")
        detail = _("%(n)d looks showing %(shown)d objects between %(first)s and %(last)s KST") % {
            "n": row["n"],
            "shown": row["shown"] or 0,
            "first": f"{timezone.localtime(row['first']):%H:%M}",
            "last": f"{timezone.localtime(row['last']):%H:%M}",
        }
        flags.append(
            Flag(
                Kind.LOOKS_OUTSIDE_HOURS,
                row["last"],
                person,
                str(detail),
                count=row["n"],
                person=person,
                entries=_entries_query(person=person, first=row["first"], last=row["last"], outcome="allowed"),
            )
        )
    return flags


def _bulk_listing(since: dt.datetime, until: dt.datetime, limits: Thresholds) -> list[Flag]:
    """Many sightings shown to one person within one clock hour (the `shown` of their lists and pages)."""
    rows = list(
        _people_looks(since, until)
        .filter(object_type=SIGHTING_KIND, shown__gt=0)
        .annotate(hour=TruncHour("at"))
        .values("actor_id", "hour")
        .annotate(shown=Sum("shown"), n=Count("id"))
        .filter(shown__gte=limits.bulk_sightings_per_hour)
        .order_by("-shown")[:MAX_FLAGS_PER_KIND]
    )
    names = _usernames(row["actor_id"] for row in rows)
    flags = []
    for row in rows:
        person = names.get(row["actor_id"], "")
        hour = timezone.localtime(row["hour"])
        flags.append(
            Flag(
                Kind.BULK_LISTING,
                row["hour"],
                person,
                str(
                    _("%(shown)d sightings shown in %(n)d requests between %(start)s and %(end)s KST")
                    % {
                        "shown": row["shown"],
                        "n": row["n"],
                        "start": f"{hour:%H:00}",
                        "end": f"{hour + dt.timedelta(hours=1):%H:00}",
                    }
                ),
                count=row["shown"],
                person=person,
                entries=_entries_query(person=person, first=row["hour"], last=row["hour"], object_type=SIGHTING_KIND),
            )
        )
    return flags


def _order_of_looks(rows: list[dict[str, Any]]) -> dict[int, Any]:
    """For each row (index) of looks at orders and sightings, the order id it is about, when it can be told."""
    order_of: dict[int, Any] = {}
    sighting_rows: dict[UUID, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        if row["object_type"] == ORDER_KIND:
            order_of[index] = _uuid(row["object_id"])
        elif row["object_id"]:
            key = _uuid(row["object_id"])
            if key is not None:
                sighting_rows[key].append(index)
        else:  # a list of sightings, filtered to one order
            order_of[index] = _uuid(dict(parse_qsl(row["filters"])).get("order", ""))
    Sighting = ledger_reference("sighting")  # sightings' model, through the ledger's relation
    keys = list(sighting_rows)
    for chunk in range(0, len(keys), 5000):
        for sighting_id, order_id in Sighting.objects.filter(pk__in=keys[chunk : chunk + 5000]).values_list(
            "pk", "order_id"
        ):
            for index in sighting_rows[sighting_id]:
                order_of[index] = order_id
    return {index: order_id for index, order_id in order_of.items() if order_id is not None}


def _other_agency(since: dt.datetime, until: dt.datetime, limits: Thresholds) -> list[Flag]:
    """Officers looking at an order, or its sightings, that another agency issued."""
    rows = list(
        _people_looks(since, until)
        .filter(agency__isnull=False, object_type__in=[ORDER_KIND, SIGHTING_KIND])
        .exclude(object_id="", filters="")
        .values("object_type", "object_id", "filters", "agency_id", "actor_id")
        .annotate(n=Count("id"), first=Min("at"), last=Max("at"))
        .order_by("-last")[:SCAN_LIMIT]
    )
    order_of = _order_of_looks(rows)
    WantedOrder = ledger_reference("order")
    orders = WantedOrder.objects.in_bulk({order_id for order_id in order_of.values()})
    # (order, viewing agency) -> looks, people, first, last
    seen: dict[tuple[Any, Any], dict[str, Any]] = {}
    for index, order_id in order_of.items():
        row, order = rows[index], orders.get(order_id)
        if order is None or order.agency_id == row["agency_id"]:
            continue
        item = seen.setdefault(
            (order_id, row["agency_id"]), {"n": 0, "people": set(), "first": row["first"], "last": row["last"]}
        )
        item["n"] += row["n"]
        item["people"].add(row["actor_id"])
        item["first"], item["last"] = min(item["first"], row["first"]), max(item["last"], row["last"])
    agencies = Agency.objects.in_bulk({agency for _order, agency in seen} | {o.agency_id for o in orders.values()})
    names = _usernames(person for item in seen.values() for person in item["people"])
    flags = []
    for (order_id, agency_id), item in sorted(seen.items(), key=lambda pair: pair[1]["last"], reverse=True):
        order = orders[order_id]
        people = sorted(names.get(person, "") for person in item["people"])
        viewer, issuer = agencies.get(agency_id), agencies.get(order.agency_id)
        flags.append(
            Flag(
                Kind.OTHER_AGENCY,
                item["last"],
                ", ".join(people),
                str(
                    _("Order %(plate)s (case %(case)s) of %(issuer)s: %(n)d looks by %(viewer)s")
                    % {
                        "plate": order.plate or order.pattern,
                        "case": order.case_number or "—",
                        "issuer": issuer.name if issuer else "—",
                        "n": item["n"],
                        "viewer": viewer.name if viewer else "—",
                    }
                ),
                count=item["n"],
                person=people[0] if len(people) == 1 else "",
                order_id=order_id,
                entries=_entries_query(
                    first=item["first"], last=item["last"], agency=viewer.name if viewer else "", outcome="allowed"
                ),
            )
        )
        if len(flags) >= MAX_FLAGS_PER_KIND:
            break
    return flags


def _refusals_in_a_row(since: dt.datetime, until: dt.datetime, limits: Thresholds) -> list[Flag]:
    """N or more refusals (denied or not found) in a row among one person's requests."""
    n = limits.refusals_in_a_row
    refused = Q(outcome__in=REFUSED_OUTCOMES)
    period = AccessLogEntry.objects.filter(at__gte=since, at__lt=until, actor__isnull=False)
    # Only the people with that many refusals at all: the window runs over their entries, not everyone's.
    suspects = period.filter(refused).values("actor_id").annotate(n=Count("id")).filter(n__gte=n).values("actor_id")
    frame = {"partition_by": [F("actor_id")], "order_by": F("sequence").asc()}
    last_n = {**frame, "frame": RowRange(start=-(n - 1), end=0)}
    rows = list(
        period.filter(actor_id__in=suspects)
        .annotate(
            run=Window(Sum(Case(When(refused, then=Value(1)), default=Value(0))), **last_n),
            run_start=Window(FirstValue("at"), **last_n),
            position=Window(RowNumber(), **frame),
        )
        .filter(run=n)
        .order_by("actor_id", "sequence")
        .values("actor_id", "at", "run_start", "position")[:SCAN_LIMIT]
    )
    # Consecutive positions of one person are one run: its length is n plus the rows that continued it.
    runs: list[dict[str, Any]] = []
    for row in rows:
        last = runs[-1] if runs else None
        if last and last["actor_id"] == row["actor_id"] and last["position"] + 1 == row["position"]:
            last.update(position=row["position"], last=row["at"], length=last["length"] + 1)
        else:
            runs.append({**row, "first": row["run_start"], "last": row["at"], "length": n})
    runs.sort(key=lambda run: run["last"], reverse=True)
    runs = runs[:MAX_FLAGS_PER_KIND]
    names = _usernames(run["actor_id"] for run in runs)
    flags = []
    for run in runs:
        person = names.get(run["actor_id"], "")
        flags.append(
            Flag(
                Kind.REFUSALS_IN_A_ROW,
                run["last"],
                person,
                str(
                    _("%(n)d refused requests in a row, from %(first)s to %(last)s KST")
                    % {
                        "n": run["length"],
                        "first": f"{timezone.localtime(run['first']):%m-%d %H:%M}",
                        "last": f"{timezone.localtime(run['last']):%m-%d %H:%M}",
                    }
                ),
                count=run["length"],
                person=person,
                entries=_entries_query(person=person, first=run["first"], last=run["last"], outcome="refused"),
            )
        )
    return flags


# ---------------------------------------------------------------------------------------------------------
# Disclosures: without an active order, approved at night, requester and approver of one body
# ---------------------------------------------------------------------------------------------------------


def _without_active_order(since: dt.datetime, until: dt.datetime, limits: Thresholds) -> list[Flag]:
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
        .order_by(NEWEST_FIRST)[:MAX_FLAGS_PER_KIND]
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
            person=entry.requester.username if entry.requester else "",
            order_id=entry.order_id if entry.order else None,
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
            person=request.requested_by.username,
            order_id=request.order_id,
        )
        for request in requests
    ]
    return flags


def _outside_hours(since: dt.datetime, until: dt.datetime, limits: Thresholds) -> list[Flag]:
    entries = (
        DisclosureEntry.objects.filter(kind=DisclosureEntry.Kind.FOOTAGE, provided_at__gte=since, provided_at__lt=until)
        .annotate(**_time_of_day("provided_at"))
        .filter(_off_hours(since, until, limits))
        .select_related("approver", "footage_request")
        .order_by(NEWEST_FIRST)[:MAX_FLAGS_PER_KIND]
    )
    flags = []
    for entry in entries:
        urgent = bool(entry.footage_request and entry.footage_request.urgent)
        detail = _("Ledger entry #%(sequence)d, case %(case)s") % {
            "sequence": entry.sequence,
            "case": entry.case_number or "—",
        }
        if urgent:
            marked = _("marked urgent (life in danger)")
            detail = f"{detail} · {marked}"
        who = entry.approver.username if entry.approver else "—"
        flags.append(
            Flag(
                Kind.OUTSIDE_HOURS,
                entry.provided_at,
                who,
                str(detail),
                entry_id=entry.id,
                person=entry.approver.username if entry.approver else "",
                order_id=entry.order_id,
            )
        )
    return flags


def _bulk_access(since: dt.datetime, until: dt.datetime, limits: Thresholds) -> list[Flag]:
    rows = list(
        AccessLogEntry.objects.filter(at__gte=since, at__lt=until, actor__isnull=False)
        .annotate(hour=TruncHour("at"))
        .values("actor_id", "hour")
        .annotate(n=Count("id"))
        .filter(n__gte=limits.bulk_access_per_hour)
        .order_by("-n")[:MAX_FLAGS_PER_KIND]
    )
    names = _usernames(row["actor_id"] for row in rows)
    return [
        Flag(
            Kind.BULK_ACCESS,
            row["hour"],
            names.get(row["actor_id"], ""),
            str(_("%(n)d accesses within one hour") % {"n": row["n"]}),
            count=row["n"],
            person=names.get(row["actor_id"], ""),
            entries=_entries_query(person=names.get(row["actor_id"], ""), first=row["hour"], last=row["hour"]),
        )
        for row in rows
    ]


SCANS: dict[str, Callable[[dt.datetime, dt.datetime, Thresholds], list[Flag]]] = {
    Kind.REPEATED_LOOKUP: _repeated_lookups,
    Kind.LOOKS_OUTSIDE_HOURS: _looks_outside_hours,
    Kind.BULK_LISTING: _bulk_listing,
    Kind.REFUSALS_IN_A_ROW: _refusals_in_a_row,
    Kind.OTHER_AGENCY: _other_agency,
    Kind.DUPLICATE_ORDERS: _duplicate_orders,
    Kind.NO_ACTIVE_ORDER: _without_active_order,
    Kind.OUTSIDE_HOURS: _outside_hours,
    Kind.BULK_ACCESS: _bulk_access,
    Kind.SAME_BODY: _same_body,
    Kind.SIGN_IN_FAILURES: _sign_in_failures,
}


def anomaly_flags(*, since: dt.datetime, until: dt.datetime) -> dict[str, list[Flag]]:
    """Every flag raised in [since, until), grouped by kind, newest or largest first."""
    limits = thresholds()
    return {kind: scan(since, until, limits) for kind, scan in SCANS.items()}
