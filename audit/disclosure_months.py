"""Disclosures counted per month as they are recorded, for the statistics and transparency pages.

The ledger grows by millions of entries a year; the pages that count it by month read these counts instead,
so their cost follows the number of distinct keys in the months shown, not the ledger's length. Two tables:
DisclosureMonth (month × kind × legal basis × crime category × providing body: the statistics page and the
transparency page's counts) and DisclosurePublicationMonth (the same with the receiving body and the items
provided, and the last provision: the transparency page's PIPA 18(4) list).

Each ledger writer in audit.services adds its entries here in the transaction that appends them (under the
chain's lock, which serialises ledger writers), so the counts and the entries commit or roll back together.
The ledger stays the record: `disclosure_months_rebuild` recounts from it (migration 0009 and a bulk load do).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Count, Max
from django.db.models.functions import TruncMonth
from django.utils import timezone

MONTH_KEY = ("month", "kind", "legal_basis", "crime", "municipality_id")
PUBLICATION_KEY = ("month", "kind", "legal_basis", "crime", "municipality_id", "recipient", "data_items")


def month_of(moment: dt.datetime) -> dt.date:
    """The first day of the moment's month in the site's time zone (the pages' months are the site's)."""
    try:
        moment = timezone.localtime(moment, timezone.get_default_timezone())
    except OverflowError:
        pass  # an instant at the calendar's very end, past it in the site's zone: its month as given
    return moment.date().replace(day=1)


def _column(model: type[models.Model], name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name.removesuffix("_id")).column)


def _upsert(model: type[models.Model], key: Sequence[str], rows: dict[tuple, list[Any]], latest: bool) -> None:
    """Adds each key's count to its row (and keeps the later of the last provisions), creating the row when it is
    the key's first. One statement per thousand keys; the same SQL on PostgreSQL and SQLite."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    keys = [_column(model, name) for name in key]
    total = _column(model, "disclosures")
    names, updates = [*keys, total], [f"{total} = {table}.{total} + excluded.{total}"]
    if latest:
        last = _column(model, "last_provided_at")
        names.append(last)
        updates.append(
            f"{last} = CASE WHEN excluded.{last} > {table}.{last} THEN excluded.{last} ELSE {table}.{last} END"
        )
    ordered = sorted(rows.items(), key=lambda item: tuple(str(part) for part in item[0]))
    placeholders = "(" + ", ".join(["%s"] * len(names)) + ")"
    for start in range(0, len(ordered), 1000):
        chunk = ordered[start : start + 1000]
        params: list[Any] = [value for row_key, values in chunk for value in (*row_key, *values)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES {', '.join([placeholders] * len(chunk))} "  # noqa: S608 - names from the model
                f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(updates)}",
                params,
            )


def disclosures_count(counted: Iterable[tuple[Any, str]]) -> None:
    """Adds ledger entries to the monthly counts: pairs of (entry, the crime category of the entry's order).

    The category is the order's when the entry is written (the entry itself names only the order), so the count
    keeps it after the order is purged under its retention.
    """
    from audit.models import DisclosureMonth, DisclosurePublicationMonth

    months: dict[tuple, list[Any]] = {}
    published: dict[tuple, list[Any]] = {}
    for entry, crime in counted:
        month = month_of(entry.provided_at)
        key = (month, entry.kind, entry.legal_basis, crime or "", entry.municipality_id)
        months.setdefault(key, [0])[0] += 1
        row = published.setdefault((*key, entry.recipient, entry.data_items), [0, entry.provided_at])
        row[0] += 1
        row[1] = max(row[1], entry.provided_at)
    _upsert(DisclosureMonth, MONTH_KEY, months, latest=False)
    _upsert(DisclosurePublicationMonth, PUBLICATION_KEY, published, latest=True)


def _date(month: dt.date | dt.datetime, zone: Any) -> dt.date:
    if isinstance(month, dt.datetime):
        return (timezone.localtime(month, zone) if timezone.is_aware(month) else month).date()
    return month


@transaction.atomic
def disclosure_months_rebuild(
    entry_model: type[models.Model] | None = None,
    month_model: type[models.Model] | None = None,
    publication_model: type[models.Model] | None = None,
) -> int:
    """Recounts every month from the ledger, replacing both tables' rows; returns the number of DisclosureMonth rows.

    The models may be a migration's historical ones. Runs in a transaction (a savepoint inside the caller's) that
    locks both tables, so no ledger write adds to counts that are being replaced.
    """
    if entry_model is None or month_model is None or publication_model is None:
        from audit.models import DisclosureEntry, DisclosureMonth, DisclosurePublicationMonth

        entry_model = entry_model or DisclosureEntry
        month_model = month_model or DisclosureMonth
        publication_model = publication_model or DisclosurePublicationMonth
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (month_model, publication_model):
                cursor.execute(f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)} IN EXCLUSIVE MODE")
    zone = timezone.get_default_timezone()
    written = 0
    for model, extra in ((month_model, ()), (publication_model, ("recipient", "data_items"))):
        model.objects.all().delete()
        grouped = (
            entry_model.objects.annotate(month=TruncMonth("provided_at", tzinfo=zone))
            .order_by()
            .values("month", "kind", "legal_basis", "order__crime", "municipality_id", *extra)
            .annotate(n=Count("id"), last=Max("provided_at"))
        )
        batch = []
        for row in grouped.iterator(chunk_size=5000):
            fields = {name: row[name] for name in ("kind", "legal_basis", "municipality_id", *extra)}
            if extra:
                fields["last_provided_at"] = row["last"]
            batch.append(
                model(month=_date(row["month"], zone), crime=row["order__crime"] or "", disclosures=row["n"], **fields)
            )
            if len(batch) == 5000:
                model.objects.bulk_create(batch)
                batch = []
        model.objects.bulk_create(batch)
        if not extra:
            written = model.objects.count()
    return written
