"""The auditor's CSV exports: the ledger, the access log, the machine traffic and one person's trail.

Every cell goes through wassweb.csv_export (no cell a spreadsheet would run as a formula); times are written in
Korea Standard Time with their offset. The rows are streamed: the ledger, the access log and the machine traffic
are read newest first a chunk at a time, each chunk its own short query (`newest_first`), and sent in blocks of
about BLOCK characters, so memory stays at a chunk whatever the export's size, the first rows leave once the
first chunk is read, and no cursor or transaction stays open while the client downloads.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any

from django.db.models import F, Max, Min, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from audit.models import AccessLogEntry, AccessTally, DisclosureEntry
from wassweb.csv_export import csv_stream

CHUNK = 2000
# The first chunk is small, so the first rows leave before a whole chunk has been read and formatted.
FIRST_CHUNK = 100
# Characters of CSV per piece of the streamed answer: a line per piece would make a year's export a million writes.
BLOCK = 64 * 1024

LEDGER_COLUMNS = [
    ("sequence", "sequence"),
    ("kind", "kind"),
    ("provided_at", "provided_at"),
    ("file_name", "personal_information_file"),
    ("provider", "providing_body"),
    ("municipality_code", "municipality_code"),
    ("recipient", "receiving_body"),
    ("purpose", "purpose"),
    ("legal_basis", "legal_basis"),
    ("data_items", "data_items"),
    ("window_start", "period_from"),
    ("window_end", "period_to"),
    ("form", "form_of_provision"),
    ("safeguards", "safeguards_requested"),
    ("requester", "requested_by"),
    ("approver", "approved_by"),
    ("case_number", "case_number"),
    ("order_id", "order"),
    ("sighting_id", "sighting"),
    ("camera_id", "camera"),
    ("footage_request_id", "footage_request"),
    ("file_hashes", "file_sha256"),
    ("created_at", "recorded_at"),
    ("prev_hash", "prev_hash"),
    ("entry_hash", "entry_hash"),
]
# Kept under its old name: the ledger export's columns are part of what auditors script against.
CSV_COLUMNS = LEDGER_COLUMNS
# What each ledger column is read from: the entry's own fields, the providing body's code and the people's names.
LEDGER_VALUES = {
    "municipality_code": "municipality__code",
    "requester": "requester__username",
    "approver": "approver__username",
}

ACCESS_COLUMNS = [
    "sequence",
    "at",
    "person",
    "role",
    "agency",
    "municipality",
    "action",
    "object_type",
    "object_id",
    "plate",
    "shown",
    "filters",
    "outcome",
    "reason",
    "ip",
    "path",
    "prev_hash",
    "entry_hash",
]

MACHINE_COLUMNS = [
    "sequence",
    "kind",
    "actor",
    "key_name",
    "municipality",
    "action",
    "outcome",
    "reason",
    "count",
    "first_at",
    "last_at",
    "addresses",
    "recorded_at",
    "entry_hash",
]

# One person's trail: access-log entries and ledger entries in one time line, one row each.
PERSON_COLUMNS = [
    "record",
    "sequence",
    "at",
    "action",
    "object_type",
    "object_id",
    "plate",
    "shown",
    "filters",
    "outcome",
    "reason",
    "ip",
    "legal_basis",
    "case_number",
    "receiving_body",
    "providing_body",
    "entry_hash",
]


def kst(value: dt.datetime | None) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def _ledger_cell(value: Any, zone: dt.tzinfo) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(zone).isoformat()  # as kst(), without looking the zone up for every cell
    if isinstance(value, list):  # the files' hashes
        return " ".join(f"{item['name']}:{item['sha256']}" for item in value)
    return str(value)


def ledger_rows(entries: QuerySet[DisclosureEntry]) -> Iterator[list[str]]:
    """The ledger export's rows: the entries newest first, read as values (no model instances) a chunk at a time."""
    zone = timezone.get_current_timezone()
    lookups = [LEDGER_VALUES.get(name, name) for name, _ in LEDGER_COLUMNS]
    return ([_ledger_cell(value, zone) for value in values[1:]] for values in newest_first(entries, values=lookups))


def _tenant(entry: AccessLogEntry | AccessTally) -> str:
    municipality = entry.municipality
    return f"{municipality.province.name} {municipality.name} ({municipality.code})" if municipality else ""


def access_row(entry: AccessLogEntry) -> list[Any]:
    return [
        entry.sequence,
        kst(entry.at),
        entry.actor_label,
        entry.role,
        entry.agency.name if entry.agency else "",
        _tenant(entry),
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.plate,
        "" if entry.shown is None else entry.shown,
        entry.filters,
        entry.outcome,
        entry.reason,
        entry.ip or "",
        entry.path,
        entry.prev_hash,
        entry.entry_hash,
    ]


def machine_row(tally: AccessTally) -> list[Any]:
    return [
        tally.sequence,
        tally.kind,
        tally.actor_label,
        tally.api_key.name if tally.api_key else "",
        _tenant(tally),
        tally.action,
        tally.outcome,
        tally.reason,
        tally.count,
        kst(tally.first_at),
        kst(tally.last_at),
        " ".join(tally.addresses),
        kst(tally.at),
        tally.entry_hash,
    ]


def _person_access_row(entry: AccessLogEntry) -> list[Any]:
    return [
        "access",
        entry.sequence,
        kst(entry.at),
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.plate,
        "" if entry.shown is None else entry.shown,
        entry.filters,
        entry.outcome,
        entry.reason,
        entry.ip or "",
        "",
        "",
        "",
        "",
        entry.entry_hash,
    ]


def _person_ledger_row(person: Any) -> Callable[[DisclosureEntry], list[Any]]:
    def row(entry: DisclosureEntry) -> list[Any]:
        role = "approved" if entry.approver_id == person.pk else "requested"
        return [
            "ledger",
            entry.sequence,
            kst(entry.provided_at),
            role,
            entry.kind,
            entry.order_id or "",
            "",
            "",
            "",
            "",
            entry.purpose,
            "",
            entry.legal_basis,
            entry.case_number,
            entry.recipient,
            entry.provider,
            entry.entry_hash,
        ]

    return row


def newest_first(queryset: QuerySet, *, key: str = "sequence", values: list[str] | None = None) -> Iterator[Any]:
    """The queryset's rows newest first by `key`, CHUNK at a time: model instances, or with `values` tuples of the
    key and those values.

    Which rows are read is settled when this is called: the filter's lowest and highest key, found from the
    filter's own index, so rows appended later are not among them, and walking the key's index back the last chunk
    does not read on to the table's first row looking for more (all of last year's ledger, for a week's export).
    Each chunk is then its own query for the rows below the last one sent, so nothing is held open between chunks
    (a server-side cursor outside a transaction is materialised whole by PostgreSQL before its first row).
    """
    queryset = queryset.order_by()
    if queryset.query.where:
        # "+ 0": PostgreSQL would answer min() and max() of the key by walking the key's index from one end.
        bounds = queryset.aggregate(low=Min(F(key) + 0), high=Max(F(key) + 0))
        if bounds["low"] is not None:
            queryset = queryset.filter(**{f"{key}__gte": bounds["low"]})
        upper = bounds["high"]
    else:
        upper = queryset.order_by(f"-{key}").values_list(key, flat=True).first()
    rows = queryset.values_list(key, *values) if values is not None else queryset
    return _chunks(rows, key=key, upper=upper, keyed=values is not None)


def _chunks(rows: QuerySet, *, key: str, upper: Any, keyed: bool) -> Iterator[Any]:
    below, size = "lte", FIRST_CHUNK
    while upper is not None:
        chunk = list(rows.filter(**{f"{key}__{below}": upper}).order_by(f"-{key}")[:size])
        yield from chunk
        if len(chunk) < size:
            return
        upper, below, size = (chunk[-1][0] if keyed else getattr(chunk[-1], key)), "lt", CHUNK


def _blocks(lines: Iterable[str]) -> Iterator[str]:
    block, size = [], 0
    for line in lines:
        block.append(line)
        size += len(line)
        if size >= BLOCK:
            yield "".join(block)
            block, size = [], 0
    if block:
        yield "".join(block)


def _stream(header: list[str], rows: Iterable[list[Any]], *, name: str) -> StreamingHttpResponse:
    def body() -> Iterator[str]:
        # The byte-order mark, so spreadsheet programs read the Korean text as UTF-8; sent with the first rows.
        yield from _blocks(chain(["\ufeff"], csv_stream(chain([header], rows))))

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


def ledger_response(entries: QuerySet[DisclosureEntry], *, name: str) -> StreamingHttpResponse:
    header = [column for _, column in LEDGER_COLUMNS]
    return _stream(header, ledger_rows(entries), name=name)


def access_log_response(entries: QuerySet[AccessLogEntry], *, name: str) -> StreamingHttpResponse:
    return _stream(ACCESS_COLUMNS, (access_row(entry) for entry in newest_first(entries)), name=name)


def machine_traffic_response(tallies: QuerySet[AccessTally], *, name: str) -> StreamingHttpResponse:
    return _stream(MACHINE_COLUMNS, (machine_row(tally) for tally in newest_first(tallies)), name=name)


def person_response(
    *, access: QuerySet[AccessLogEntry], ledger: QuerySet[DisclosureEntry], person: Any, name: str
) -> StreamingHttpResponse:
    """The person's access-log and ledger entries merged into one time line, newest first."""
    looks = ((entry.at, _person_access_row(entry)) for entry in access.order_by("-at").iterator(chunk_size=CHUNK))
    ledger_row_of = _person_ledger_row(person)
    given = (
        (entry.provided_at, ledger_row_of(entry))
        for entry in ledger.order_by("-provided_at").iterator(chunk_size=CHUNK)
    )
    merged = heapq.merge(looks, given, key=lambda item: item[0], reverse=True)
    return _stream(PERSON_COLUMNS, (row for _at, row in merged), name=name)
