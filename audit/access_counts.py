"""The access log counted per person and clock hour as it is written, for the anomaly scans (audit.anomalies).

The access log grows by a row per request: a month of a national deployment is millions of entries, and each scan
of the anomalies page used to read the month's entries. The scans read these counts instead, each only the hours
that can hold a flag:

- AccessHour (person × hour): requests, refusals, the looks that showed something and how much, the looks at
  sightings, and the person's refusals in a row as their requests come (carried from one hour to the next).
- AccessSubjectHour (person × plate or pattern order × hour): looks at one subject, for repeated lookups.
- AccessOrderHour (order × agency × person × hour): officers' looks at another agency's order or its sightings.

Every access-log writer in audit.services calls `access_count` with the entries it has just inserted, in the same
transaction and under the chain's lock (which serialises the writers, so the counts follow the requests in order):
an upsert into each of the three tables per entry, the same three whatever the request was, so a page's queries do
not depend on what it showed. The log stays the record: `access_counts_rebuild` recounts from it (migration 0011
and a bulk load do).

The hour is the clock hour as UTC counts it, which is Korea's clock hour (UTC+9, whole hours, no daylight
saving): the scans read its hour of the day and its day in the site's time zone. A look's order is read when it
is recorded, for a sighting from the sighting it names: a sighting purged later under its retention still counts
as a look at its order.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from django.db import connection, models, transaction
from django.db.models.functions import Coalesce, Concat, Lag, TruncHour

from accounts.models import Agency

ALLOWED = "allowed"
REFUSED_OUTCOMES = frozenset({"denied", "not-found"})
# What a person looking at a plate or an order is recorded as (wassweb.access_note.describe_object).
ORDER_KIND = "wantedorder"
SIGHTING_KIND = "sighting"
# The entry values the counts are made of (an AccessLogEntry, or a row of them read back).
ENTRY_VALUES = (
    "sequence",
    "at",
    "actor_id",
    "agency_id",
    "outcome",
    "shown",
    "object_type",
    "object_id",
    "plate",
    "filters",
)


def hour_of(moment: dt.datetime) -> dt.datetime:
    """The start of the clock hour of a moment (UTC's, which is the site's: see the module's docstring)."""
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def look_subject(entry: Any) -> str:
    """What a look is about for the repeated-lookup scan: its plate, or "order:<id>" for an order without one."""
    if entry.plate:
        return entry.plate
    if entry.object_type == ORDER_KIND and entry.object_id:
        return f"order:{entry.object_id}"
    return ""


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


def looked_order(entry: Any) -> tuple[str, uuid.UUID] | None:
    """("order", id) or ("sighting", id) naming the order an officer looked at (a page about the order, one of its
    sightings, or the list of its sightings), or None when the entry is no such look."""
    if entry.agency_id is None or entry.actor_id is None or entry.outcome != ALLOWED:
        return None
    if entry.object_type == ORDER_KIND:
        order = _uuid(entry.object_id)
        return ("order", order) if order else None
    if entry.object_type == SIGHTING_KIND:
        if entry.object_id:
            sighting = _uuid(entry.object_id)
            return ("sighting", sighting) if sighting else None
        order = _uuid(dict(parse_qsl(entry.filters)).get("order"))
        return ("order", order) if order else None
    return None


@dataclass
class HourCounts:
    """What an entry adds to its person's hour."""

    requests: int = 0
    refused: int = 0
    looks_shown: int = 0
    objects_shown: int = 0
    first_shown_at: dt.datetime | None = None
    last_shown_at: dt.datetime | None = None
    sighting_looks: int = 0
    sightings_shown: int = 0
    first_at: dt.datetime | None = None  # where a run of refusals begins, when the entry starts one

    def add(self, entry: Any) -> None:
        self.requests += 1
        self.refused += entry.outcome in REFUSED_OUTCOMES
        self.first_at = self.first_at or entry.at
        if entry.outcome == ALLOWED and entry.shown:
            self.looks_shown += 1
            self.objects_shown += entry.shown
            self.first_shown_at = min(self.first_shown_at or entry.at, entry.at)
            self.last_shown_at = max(self.last_shown_at or entry.at, entry.at)
            if entry.object_type == SIGHTING_KIND:
                self.sighting_looks += 1
                self.sightings_shown += entry.shown


# -- writing ---------------------------------------------------------------------------------------------------------


def _table(name: str) -> str:
    from django.apps import apps

    return connection.ops.quote_name(apps.get_model("audit", name)._meta.db_table)


def _at(value: dt.datetime | None) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _id(value: Any) -> Any:
    """A UUID as the database keeps it (text without dashes on SQLite)."""
    return models.UUIDField().get_db_prep_value(value, connection)


def _latest(column: str, table: str) -> str:
    # The person's latest hour before this one: the run of refusals carried into a new hour.
    return f"(SELECT {column} FROM {table} WHERE actor_id = %(actor)s AND hour < %(hour)s ORDER BY hour DESC LIMIT 1)"  # noqa: S608 - names from the model


def _hour_upsert(actor: Any, hour: dt.datetime, counts: HourCounts) -> None:
    table = _table("AccessHour")
    carried, carried_from = f"COALESCE({_latest('run', table)}, 0)", _latest("run_from", table)
    new_run = f"{table}.run + excluded.refused"
    sql = f"""
        INSERT INTO {table} (hour, actor_id, requests, refused, looks_shown, objects_shown, first_shown_at,
            last_shown_at, sighting_looks, sightings_shown, run, run_from, run_in_from, longest_run)
        VALUES (%(hour)s, %(actor)s, %(requests)s, %(refused)s, %(looks_shown)s, %(objects_shown)s,
            %(first_shown_at)s, %(last_shown_at)s, %(sighting_looks)s, %(sightings_shown)s,
            CASE WHEN %(refused)s > 0 THEN {carried} + %(refused)s ELSE 0 END,
            CASE WHEN %(refused)s = 0 THEN NULL WHEN {carried} > 0 THEN {carried_from} ELSE %(at)s END,
            CASE WHEN {carried} > 0 THEN {carried_from} END,
            CASE WHEN %(refused)s > 0 THEN {carried} + %(refused)s ELSE 0 END)
        ON CONFLICT (actor_id, hour) DO UPDATE SET
            requests = {table}.requests + excluded.requests,
            refused = {table}.refused + excluded.refused,
            looks_shown = {table}.looks_shown + excluded.looks_shown,
            objects_shown = {table}.objects_shown + excluded.objects_shown,
            first_shown_at = CASE WHEN {table}.first_shown_at IS NULL
                OR excluded.first_shown_at < {table}.first_shown_at
                THEN excluded.first_shown_at ELSE {table}.first_shown_at END,
            last_shown_at = CASE WHEN {table}.last_shown_at IS NULL
                OR excluded.last_shown_at > {table}.last_shown_at
                THEN excluded.last_shown_at ELSE {table}.last_shown_at END,
            sighting_looks = {table}.sighting_looks + excluded.sighting_looks,
            sightings_shown = {table}.sightings_shown + excluded.sightings_shown,
            run = CASE WHEN excluded.refused > 0 THEN {new_run} ELSE 0 END,
            run_from = CASE WHEN excluded.refused = 0 THEN NULL WHEN {table}.run > 0 THEN {table}.run_from
                ELSE %(at)s END,
            longest_run = CASE WHEN excluded.refused > 0 AND {new_run} > {table}.longest_run THEN {new_run}
                ELSE {table}.longest_run END
    """  # noqa: S608 - names from the model, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "hour": _at(hour),
                "actor": actor,
                "requests": counts.requests,
                "refused": counts.refused,
                "looks_shown": counts.looks_shown,
                "objects_shown": counts.objects_shown,
                "first_shown_at": _at(counts.first_shown_at),
                "last_shown_at": _at(counts.last_shown_at),
                "sighting_looks": counts.sighting_looks,
                "sightings_shown": counts.sightings_shown,
                "at": _at(counts.first_at),
            },
        )


def _span_widened(table: str) -> str:
    """The upsert's SET clause that widens a row's first and last look to take in the new one."""
    return (
        f"first_at = CASE WHEN excluded.first_at < {table}.first_at THEN excluded.first_at ELSE {table}.first_at END, "
        f"last_at = CASE WHEN excluded.last_at > {table}.last_at THEN excluded.last_at ELSE {table}.last_at END"
    )


def _subject_upsert(entry: Any) -> None:
    """Counts a look at a plate or a pattern order (nothing, for an entry that is no such look)."""
    table = _table("AccessSubjectHour")
    subject = look_subject(entry) if entry.outcome == ALLOWED else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (hour, actor_id, subject, looks, first_at, last_at) "  # noqa: S608 - names from the model
            "SELECT %(hour)s, %(actor)s, %(subject)s, 1, %(at)s, %(at)s WHERE %(subject)s <> '' "
            f"ON CONFLICT (actor_id, subject, hour) DO UPDATE SET looks = {table}.looks + excluded.looks, "
            f"{_span_widened(table)}",
            {"hour": _at(hour_of(entry.at)), "actor": entry.actor_id, "subject": subject, "at": _at(entry.at)},
        )


def _order_upsert(entry: Any) -> None:
    """Counts an officer's look at an order, or at one of its sightings, if the order is another agency's (nothing,
    for an entry that is no such look)."""
    from audit.models import ledger_reference

    table = _table("AccessOrderHour")
    orders = connection.ops.quote_name(ledger_reference("order")._meta.db_table)
    sightings = connection.ops.quote_name(ledger_reference("sighting")._meta.db_table)
    agencies = connection.ops.quote_name(Agency._meta.db_table)
    kind, key = looked_order(entry) or ("", None)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (hour, order_id, agency_id, actor_id, looks, first_at, last_at) "  # noqa: S608 - names from the model
            "SELECT %(hour)s, looked.id, viewer.id, %(actor)s, 1, %(at)s, %(at)s "
            f"FROM {orders} looked, {agencies} viewer WHERE viewer.id = %(agency)s AND looked.agency_id <> viewer.id "
            f"AND looked.id = COALESCE(%(order)s, (SELECT order_id FROM {sightings} WHERE id = %(sighting)s)) "
            f"ON CONFLICT (order_id, agency_id, hour, actor_id) DO UPDATE SET looks = {table}.looks + 1, "
            f"{_span_widened(table)}",
            {
                "hour": _at(hour_of(entry.at)),
                "actor": entry.actor_id,
                "at": _at(entry.at),
                "agency": _id(entry.agency_id),
                "order": _id(key) if kind == "order" else None,
                "sighting": _id(key) if kind == "sighting" else None,
            },
        )


def access_count(entries: Iterable[Any]) -> None:
    """Adds access-log entries just inserted to the counts. Call in the inserting transaction, under the chain's
    lock, with the entries in sequence order.

    Three statements per person's entry, whatever it was, so a request costs the same number of queries whatever
    it showed: the person's hour, the subject looked at and the order looked at by an officer (the last two count
    nothing when the entry is no such look, or the order is the officer's own agency's).
    """
    for entry in entries:
        if entry.actor_id is None:
            continue
        counts = HourCounts()
        counts.add(entry)
        _hour_upsert(entry.actor_id, hour_of(entry.at), counts)
        _subject_upsert(entry)
        _order_upsert(entry)


# -- recounting from the log -----------------------------------------------------------------------------------------

_HOUR_FIELDS = (
    "requests",
    "refused",
    "looks_shown",
    "objects_shown",
    "first_shown_at",
    "last_shown_at",
    "sighting_looks",
    "sightings_shown",
)


@dataclass
class _Row:
    """An access-log entry's values, as ENTRY_VALUES reads them."""

    sequence: int
    at: dt.datetime
    actor_id: Any
    agency_id: Any
    outcome: str
    shown: int | None
    object_type: str
    object_id: str
    plate: str
    filters: str


def _lock(*models_: type[models.Model]) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in models_:
                cursor.execute(f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)} IN EXCLUSIVE MODE")


def _refused() -> models.Q:
    return models.Q(outcome__in=REFUSED_OUTCOMES)


def _shown() -> models.Q:
    return models.Q(outcome=ALLOWED, shown__gt=0)


def _look_subject_sql() -> models.Expression:
    """look_subject, for the database: the plate, or "order:<id>" for an order without one, or empty."""
    return models.Case(
        models.When(~models.Q(plate=""), then=models.F("plate")),
        models.When(
            models.Q(object_type=ORDER_KIND) & ~models.Q(object_id=""),
            then=Concat(models.Value("order:"), models.F("object_id")),
        ),
        default=models.Value(""),
        output_field=models.CharField(),
    )


def _insert_from(
    model: type[models.Model], query: models.QuerySet, columns: Sequence[str], constants: dict[str, str] | None = None
) -> None:
    """Inserts the rows of an aggregate query into model's table, in the database: columns from the query's values
    of the same names, constants as the SQL literals given. In the order of the hour, as the writers add them, so
    that a period's rows lie together in the table and a scan of one day reads few of its pages."""
    constants = constants or {}
    sql, params = query.order_by("hour").query.sql_with_params()
    names = ", ".join([*columns, *constants])
    picked = ", ".join([*(f"counted.{name}" for name in columns), *constants.values()])
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {picked} FROM ({sql}) counted", params)  # noqa: S608 - names from the model, values as parameters


def _runs(people: models.QuerySet) -> dict[tuple[Any, dt.datetime], list[Any]]:
    """{(person, hour): [run, run_from, run_in_from, longest_run]} for the hours whose refusal fields are not empty,
    as the writers' upserts leave them: read from the refusals and the requests right after them only."""
    order = {"partition_by": [models.F("actor_id")], "order_by": [models.F("sequence").asc()]}
    rows = (
        people.annotate(before=models.Window(Lag("outcome"), **order), before_at=models.Window(Lag("at"), **order))
        .filter(_refused() | models.Q(before__in=REFUSED_OUTCOMES))
        .order_by("actor_id", "sequence")
        .values_list("actor_id", "at", "outcome", "before", "before_at")
    )
    hours: dict[tuple[Any, dt.datetime], list[Any]] = {}
    run, run_from = 0, None
    for actor, at, outcome, before, before_at in rows.iterator(chunk_size=5000):
        hour = hour_of(at)
        fields = hours.setdefault((actor, hour), [0, None, None, 0])
        if before not in REFUSED_OUTCOMES:
            run, run_from = 0, None  # the request before was no refusal (or there was none)
        elif hour_of(before_at) != hour:
            fields[2] = run_from  # the hour's first request, with a run under way
        if outcome in REFUSED_OUTCOMES:
            run, run_from = run + 1, run_from or at
            fields[3] = max(fields[3], run)
        else:
            run, run_from = 0, None
        fields[0], fields[1] = run, run_from  # as the hour's latest request leaves them
    return {key: fields for key, fields in hours.items() if fields != [0, None, None, 0]}


def _order_looks(people: models.QuerySet, order_model: Any, sighting_model: Any, orders: dict[Any, Any]) -> None:
    """The looks at other agencies' orders, from the officers' looks at orders and sightings read in time order, the
    sightings they name looked up a batch at a time; an hour's counts are written once the hour is over."""
    looks = (
        people.filter(agency__isnull=False, outcome=ALLOWED, object_type__in=[ORDER_KIND, SIGHTING_KIND])
        .exclude(object_id="", filters="")
        .order_by("at")
        .values_list(*ENTRY_VALUES)
    )
    counts: dict[tuple[Any, Any, Any, dt.datetime], list[Any]] = {}

    def write(before: dt.datetime | None) -> None:
        done = [key for key in counts if before is None or key[3] < before]
        order_model.objects.bulk_create(
            (
                order_model(hour=hour, order_id=o, agency_id=a, actor_id=p, looks=n, first_at=first, last_at=last)
                for (o, a, p, hour), (n, first, last) in ((key, counts.pop(key)) for key in done)
            ),
            batch_size=5000,
        )

    def count(batch: list[tuple[_Row, tuple[str, uuid.UUID]]]) -> None:
        keys = [key for _entry, (kind, key) in batch if kind == "sighting"]
        order_of = dict(sighting_model.objects.filter(pk__in=keys).values_list("pk", "order_id")) if keys else {}
        for entry, (kind, key) in batch:
            order = order_of.get(key) if kind == "sighting" else key
            if order not in orders or orders[order] == entry.agency_id:
                continue  # not on record, or the officer's own agency's
            row = counts.setdefault(
                (order, entry.agency_id, entry.actor_id, hour_of(entry.at)), [0, entry.at, entry.at]
            )
            row[0] += 1
            row[1], row[2] = min(row[1], entry.at), max(row[2], entry.at)
        if batch:
            write(before=hour_of(batch[-1][0].at))

    batch: list[tuple[_Row, tuple[str, uuid.UUID]]] = []
    for values in looks.iterator(chunk_size=5000):
        entry = _Row(*values)
        looked = looked_order(entry)
        if looked is not None:
            batch.append((entry, looked))
            if len(batch) == 5000:
                count(batch)
                batch = []
    count(batch)
    write(before=None)


@transaction.atomic
def access_counts_rebuild(apps: Any = None) -> int:
    """Recounts the three tables from the access log, replacing their rows; returns the AccessHour rows.

    `apps` may be a migration's app registry (its historical models). Runs in a transaction that locks the three
    tables, so no writer adds to counts that are being replaced. The hours' and the subjects' counts are made by the
    database; the refusals in a row are read from the refusals and the requests right after them, the looks at
    other agencies' orders from the officers' looks at orders and sightings.
    """
    if apps is None:
        from django.apps import apps
    entry_model = apps.get_model("audit", "AccessLogEntry")
    hour_model = apps.get_model("audit", "AccessHour")
    subject_model = apps.get_model("audit", "AccessSubjectHour")
    order_model = apps.get_model("audit", "AccessOrderHour")
    _lock(hour_model, subject_model, order_model)
    for model in (hour_model, subject_model, order_model):
        model.objects.all().delete()
    people = entry_model.objects.filter(actor__isnull=False).order_by()
    hour = TruncHour("at", tzinfo=dt.UTC)
    shown, sightings = _shown(), _shown() & models.Q(object_type=SIGHTING_KIND)
    hours = (
        people.annotate(hour=hour)
        .values("actor_id", "hour")
        .annotate(
            requests=models.Count("pk"),
            refused=models.Count("pk", filter=_refused()),
            looks_shown=models.Count("pk", filter=shown),
            objects_shown=Coalesce(models.Sum("shown", filter=shown), 0),
            first_shown_at=models.Min("at", filter=shown),
            last_shown_at=models.Max("at", filter=shown),
            sighting_looks=models.Count("pk", filter=sightings),
            sightings_shown=Coalesce(models.Sum("shown", filter=sightings), 0),
        )
    )
    empty_run = {"run": "0", "run_from": "NULL", "run_in_from": "NULL", "longest_run": "0"}
    _insert_from(hour_model, hours, ("actor_id", "hour", *_HOUR_FIELDS), empty_run)
    table = connection.ops.quote_name(hour_model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET run = %s, run_from = %s, run_in_from = %s, longest_run = %s "  # noqa: S608 - names from the model
            "WHERE actor_id = %s AND hour = %s",
            [
                (run, _at(run_from), _at(run_in_from), longest, actor, _at(at))
                for (actor, at), (run, run_from, run_in_from, longest) in _runs(people).items()
            ],
        )
    subjects = (
        people.filter(outcome=ALLOWED)
        .annotate(subject=_look_subject_sql(), hour=hour)
        .exclude(subject="")
        .values("actor_id", "subject", "hour")
        .annotate(looks=models.Count("pk"), first_at=models.Min("at"), last_at=models.Max("at"))
    )
    _insert_from(subject_model, subjects, ("actor_id", "subject", "hour", "looks", "first_at", "last_at"))
    orders = dict(apps.get_model("sightings", "WantedOrder").objects.values_list("pk", "agency_id"))
    _order_looks(people, order_model, apps.get_model("sightings", "Sighting"), orders)
    return hour_model.objects.count()
