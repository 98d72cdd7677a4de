"""The auditor's CSV exports: the ledger, the access log, the machine traffic and one person's trail.

Every cell goes through wassweb.csv_export (no cell a spreadsheet would run as a formula); times are written in
Korea Standard Time with their offset; the rows are streamed, so an export of a year reads in chunks.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from audit.models import AccessLogEntry, AccessTally, DisclosureEntry
from wassweb.csv_export import csv_stream

CHUNK = 2000

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


def ledger_row(entry: DisclosureEntry) -> list[str]:
    def value(name: str) -> str:
        if name == "municipality_code":
            return entry.municipality.code
        if name in ("requester", "approver"):
            person = getattr(entry, name)
            return person.username if person else ""
        if name == "file_hashes":
            return " ".join(f"{item['name']}:{item['sha256']}" for item in entry.file_hashes)
        raw = getattr(entry, name)
        if raw is None:
            return ""
        if isinstance(raw, dt.datetime):
            return kst(raw)
        return str(raw)

    return [value(name) for name, _ in LEDGER_COLUMNS]


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


def _stream(header: list[str], rows: Iterable[list[Any]], *, name: str) -> StreamingHttpResponse:
    def body() -> Iterator[str]:
        yield "\ufeff"  # so spreadsheet programs read the Korean text as UTF-8
        yield from csv_stream(chain([header], rows))

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


def ledger_response(entries: QuerySet[DisclosureEntry], *, name: str) -> StreamingHttpResponse:
    header = [column for _, column in LEDGER_COLUMNS]
    return _stream(header, (ledger_row(entry) for entry in entries.iterator(chunk_size=CHUNK)), name=name)


def access_log_response(entries: QuerySet[AccessLogEntry], *, name: str) -> StreamingHttpResponse:
    return _stream(ACCESS_COLUMNS, (access_row(entry) for entry in entries.iterator(chunk_size=CHUNK)), name=name)


def machine_traffic_response(tallies: QuerySet[AccessTally], *, name: str) -> StreamingHttpResponse:
    return _stream(MACHINE_COLUMNS, (machine_row(tally) for tally in tallies.iterator(chunk_size=CHUNK)), name=name)


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
