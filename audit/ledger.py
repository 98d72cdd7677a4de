"""How stored ledger and access-log rows map onto the hash chain, and the lock that keeps the chain linear."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import orjson
from django.db import connection, models, transaction

from audit import chain
from audit.models import AccessLogEntry, AccessTally, DisclosureEntry, LedgerCorrection

# Every stored column except the two hashes is committed to by the entry's hash.
CHAINED_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    model: tuple(
        field.attname for field in model._meta.concrete_fields if field.attname not in ("prev_hash", "entry_hash")
    )
    for model in (DisclosureEntry, AccessLogEntry, AccessTally, LedgerCorrection)
}

# Columns added to a chain after entries were written: hashed only when they hold a value, so every entry
# written before the column existed (where it reads empty) keeps the hash it was sealed with. A value set
# later, or one removed, still changes the hash: the canonical form stays a function of the stored row.
LATER_FIELDS: dict[type[models.Model], frozenset[str]] = {
    AccessLogEntry: frozenset({"role", "agency_id", "municipality_id", "shown", "filters", "reason"}),
    DisclosureEntry: frozenset({"plate", "live_view_id", "viewers"}),
}
_UNSET = (None, "")


def _without_unset_later_fields(model: type[models.Model], fields: dict[str, Any]) -> dict[str, Any]:
    later = LATER_FIELDS.get(model)
    if not later:
        return fields
    for name in later:
        if fields.get(name) in _UNSET:
            fields.pop(name, None)
    return fields


# pg_advisory_xact_lock keys: one per chain, held until the appending transaction ends.
CHAIN_LOCK_KEYS: dict[type[models.Model], int] = {
    DisclosureEntry: 0x5741_5353_0001,
    AccessLogEntry: 0x5741_5353_0002,
    AccessTally: 0x5741_5353_0003,
    LedgerCorrection: 0x5741_5353_0004,
}

_UTC = dt.UTC


def datetime_canonical(value: dt.datetime) -> str:
    """A datetime as hashed: UTC, a four-digit year, microseconds and Z, e.g. 0001-01-01T00:00:00.000000Z.

    The PostgreSQL reader produces the same text with to_char 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'. strftime('%Y')
    must not be used: it writes year 1 as "1", which no stored reader reproduces (docs/LEDGER.md).
    """
    return value.astimezone(_UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def canonical_value(value: Any) -> Any:
    """A column value as hashed: datetimes in their canonical text, UUIDs as text, the rest as stored."""
    if isinstance(value, dt.datetime):
        return datetime_canonical(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def chain_fields(entry: models.Model) -> dict[str, Any]:
    fields = {name: canonical_value(getattr(entry, name)) for name in CHAINED_FIELDS[type(entry)]}
    return _without_unset_later_fields(type(entry), fields)


def lock_chain_head(model: type[models.Model]) -> tuple[int, str]:
    """Serialises appends to one chain and returns its head (last sequence, last hash). Call inside atomic.

    PostgreSQL: a transaction-scoped advisory lock, so a second writer waits until the first commits or
    rolls back and then reads the head the first one left. SQLite: transactions start IMMEDIATE (settings),
    so writers are serialised by the database file lock already.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEYS[model]])
    head = model.objects.order_by("-sequence").values_list("sequence", "entry_hash").first()
    return head or (0, chain.GENESIS)


def seal(entries: list[models.Model], head: tuple[int, str]) -> None:
    """Numbers and hashes new entries in order, continuing from the chain head."""
    sequence, prev_hash = head
    for entry in entries:
        sequence += 1
        entry.sequence = sequence
        entry.prev_hash = prev_hash
        entry.entry_hash = chain.entry_hash(prev_hash, chain_fields(entry))
        prev_hash = entry.entry_hash


def stored_links(
    model: type[models.Model], *, chunk_size: int = 5000, first: int | None = None, last: int | None = None
) -> Iterator[chain.Link]:
    """The stored rows of a chain as Links, in sequence order, streamed: all, or sequences first..last."""
    if connection.vendor == "postgresql":
        return _pg_links(model, first=first, last=last)
    return _orm_links(model, chunk_size=chunk_size, first=first, last=last)


def _orm_links(
    model: type[models.Model], *, chunk_size: int, first: int | None = None, last: int | None = None
) -> Iterator[chain.Link]:
    names = CHAINED_FIELDS[model]
    rows = model.objects.order_by("sequence")
    if first is not None:
        rows = rows.filter(sequence__gte=first)
    if last is not None:
        rows = rows.filter(sequence__lte=last)
    rows = rows.values_list(*names, "prev_hash", "entry_hash")
    width = len(names)
    datetime_type, uuid_type, as_text = dt.datetime, uuid.UUID, datetime_canonical
    sequence_index = names.index("sequence")
    for row in rows.iterator(chunk_size=chunk_size):
        fields = {}
        for name, value in zip(names, row[:width], strict=True):
            if isinstance(value, datetime_type):
                value = as_text(value)
            elif isinstance(value, uuid_type):
                value = str(value)
            fields[name] = value
        yield chain.Link(row[sequence_index], row[width], row[width + 1], _without_unset_later_fields(model, fields))


def _pg_column(field: models.Field) -> tuple[str, str]:
    """SQL giving a column already in its hashed form, and the COPY type it arrives as.

    Timestamps, UUIDs, addresses and JSON arrive as canonical text, integers and booleans as themselves, so
    Python neither parses nor re-formats anything but the JSON.
    """
    column = connection.ops.quote_name(field.column)
    target = getattr(field, "target_field", field)
    if isinstance(field, models.DateTimeField):
        return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""", "text"
    if isinstance(target, models.UUIDField | models.JSONField):
        return f"{column}::text", "text"
    if isinstance(field, models.GenericIPAddressField):
        return f"host({column})", "text"
    if isinstance(target, models.IntegerField | models.AutoField):  # every integer size and the auto keys
        return f"{column}::bigint", "int8"
    if isinstance(target, models.BooleanField):
        return column, "bool"
    if isinstance(target, models.CharField | models.TextField):
        return column, "text"
    raise TypeError(f"{field.model.__name__}.{field.name}: no canonical form for a {type(field).__name__}")


def _pg_links(model: type[models.Model], *, first: int | None = None, last: int | None = None) -> Iterator[chain.Link]:
    """The PostgreSQL path: one binary COPY of canonical values, several times faster than the ORM.

    COPY streams: the server produces the next rows while this process hashes the last ones.
    """
    fields = {field.attname: field for field in model._meta.concrete_fields}
    names = CHAINED_FIELDS[model]
    json_names = [name for name in names if isinstance(fields[name], models.JSONField)]
    expressions, types = zip(*(_pg_column(fields[name]) for name in names), strict=True)
    table = connection.ops.quote_name(model._meta.db_table)
    # The bounds are integers the caller computed, never input: formatted in, as COPY takes no parameters.
    bounds = [f"sequence >= {int(first)}"] if first is not None else []
    bounds += [f"sequence <= {int(last)}"] if last is not None else []
    where = f"WHERE {' AND '.join(bounds)} " if bounds else ""
    sql = (
        f"COPY (SELECT {', '.join(expressions)}, prev_hash, entry_hash FROM {table} {where}ORDER BY sequence) "  # noqa: S608 - names from the model
        "TO STDOUT (FORMAT BINARY)"
    )
    width = len(names)
    sequence_index = names.index("sequence")
    loads, link = orjson.loads, chain.Link
    later = model in LATER_FIELDS
    # In a transaction (a savepoint inside someone else's): stopping early cancels the COPY, which fails its
    # statement, and leaving the block by that exit rolls back to before it, so the connection stays usable.
    with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.set_types([*types, "text", "text"])
        for row in copy.rows():
            values = dict(zip(names, row[:width], strict=True))
            for name in json_names:
                if values[name] is not None:
                    values[name] = loads(values[name])
            if later:
                values = _without_unset_later_fields(model, values)
            yield link(row[sequence_index], row[width], row[width + 1], values)


# The chains a LedgerCorrection may name, by its `chain` value.
CORRECTABLE: dict[str, type[models.Model]] = {
    LedgerCorrection.Chain.LEDGER: DisclosureEntry,
    LedgerCorrection.Chain.ACCESS_LOG: AccessLogEntry,
}


def stored_corrections(model: type[models.Model]) -> dict[int, str]:
    """The corrections recorded for a chain: corrected sequence -> the hash its content was found to give."""
    names = [name for name, corrected in CORRECTABLE.items() if corrected is model]
    if not names:
        return {}
    return dict(LedgerCorrection.objects.filter(chain=names[0]).values_list("corrects_sequence", "found_hash"))


def content_hash(entry: models.Model) -> str:
    """What a stored entry's content hashes to now, after its stored prev_hash (what a correction records)."""
    return chain.entry_hash(entry.prev_hash, chain_fields(entry))


def verify_stored(
    model: type[models.Model], *, first: int = 1, last: int | None = None, corrections: dict[int, str] | None = None
) -> chain.Verdict:
    """Verifies a stored chain from its first entry, counting entries its recorded corrections cover as intact.

    With first/last, only that range: from the stored hash of the entry before `first` (checked by whoever
    verifies the range before it), to `last`.
    """
    if corrections is None:
        corrections = stored_corrections(model)
    prev_hash = chain.GENESIS
    if first > 1:
        prev_hash = model.objects.filter(sequence=first - 1).values_list("entry_hash", flat=True).first()
        if prev_hash is None:
            return chain.Verdict(False, 0, chain.Broken(first - 1, chain.SEQUENCE_GAP, "missing"), chain.GENESIS)
    links = stored_links(model, first=first, last=last)
    try:
        return chain.verify(links, corrections, prev_hash=prev_hash, first_sequence=first)
    finally:
        links.close()  # stops reading at once when the chain broke early
