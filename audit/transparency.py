"""The public transparency report: counts only, per municipality and month. No plate, no name, no free text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce

from audit.heads import CHAINS, latest_statements, public_key_hex, statement_message
from audit.models import DisclosureEntry, DisclosureMonth, DisclosurePublicationMonth, ledger_reference
from audit.purposes import CRIME_CATEGORIES, LEGAL_BASES
from audit.statistics import month_bounds


@dataclass
class MunicipalityMonth:
    name: str
    code: str
    hits: int = 0
    confirmed: int = 0
    misread: int = 0
    footage_requests: int = 0
    footage_approved: int = 0
    footage_denied: int = 0


COUNTED = ("hits", "confirmed", "misread", "footage_requests", "footage_approved", "footage_denied")


def _municipality_rows(month: dt.date, since: dt.datetime, until: dt.datetime) -> list[MunicipalityMonth]:
    # Sightings' tables, through the ledger's relations (audit does not import sightings): the verdicts on
    # sightings and the footage requests are not all in the ledger (a denied request discloses nothing).
    Sighting, FootageRequest, Municipality = (
        ledger_reference(name) for name in ("sighting", "footage_request", "municipality")
    )

    rows: dict[int, dict[str, int]] = {}

    def add(municipality_id: int, **counts: int) -> None:
        row = rows.setdefault(municipality_id, dict.fromkeys(COUNTED, 0))
        for key, value in counts.items():
            row[key] += value

    # A hit delivered to the police is a location disclosure: the ledger keeps the count after sightings go
    # (its monthly counts, audit.disclosure_months).
    for row in (
        DisclosureMonth.objects.filter(kind=DisclosureEntry.Kind.LOCATION, month=month)
        .order_by()
        .values("municipality_id")
        .annotate(n=Sum("disclosures"))
    ):
        add(row["municipality_id"], hits=row["n"])
    for row in (
        Sighting.objects.filter(seen_at__gte=since, seen_at__lt=until)
        .order_by()
        .values("camera__municipality_id")
        .annotate(
            confirmed=Count("id", filter=Q(verification=Sighting.Verification.CONFIRMED)),
            misread=Count("id", filter=Q(verification=Sighting.Verification.MISREAD)),
        )
    ):
        add(row["camera__municipality_id"], confirmed=row["confirmed"], misread=row["misread"])
    for row in (
        FootageRequest.objects.filter(created_at__gte=since, created_at__lt=until)
        .order_by()
        .values("municipality_id")
        .annotate(
            n=Count("id"),
            approved=Count("id", filter=Q(status=FootageRequest.Status.APPROVED)),
            denied=Count("id", filter=Q(status=FootageRequest.Status.DENIED)),
        )
    ):
        add(
            row["municipality_id"],
            footage_requests=row["n"],
            footage_approved=row["approved"],
            footage_denied=row["denied"],
        )
    municipalities = Municipality.objects.select_related("province").in_bulk(list(rows))
    result = [
        MunicipalityMonth(f"{municipalities[pk].province.name} {municipalities[pk].name}", municipalities[pk].code, **c)
        for pk, c in rows.items()
    ]
    result.sort(key=lambda row: row.code)
    return result


def _by_legal_basis(month: dt.date) -> list[dict[str, Any]]:
    counts = {
        row["legal_basis"]: row
        for row in DisclosureMonth.objects.filter(month=month)
        .order_by()
        .values("legal_basis")
        .annotate(
            location=Coalesce(Sum("disclosures", filter=Q(kind=DisclosureEntry.Kind.LOCATION)), 0),
            footage=Coalesce(Sum("disclosures", filter=Q(kind=DisclosureEntry.Kind.FOOTAGE)), 0),
        )
    }
    return [
        {
            "basis": basis,
            "location": counts.get(code, {}).get("location", 0),
            "footage": counts.get(code, {}).get("footage", 0),
        }
        for code, basis in LEGAL_BASES.items()
    ]


def _publication_list(month: dt.date) -> list[dict[str, Any]]:
    """PIPA 18(4): provisions under items other than 1 and 7 — basis, purpose and scope, per providing body."""
    codes = [code for code, basis in LEGAL_BASES.items() if basis.requires_publication]
    rows = (
        # The month's counts kept as entries are written (audit.disclosure_months), not the ledger itself.
        DisclosurePublicationMonth.objects.filter(month=month, legal_basis__in=codes)
        .exclude(kind=DisclosureEntry.Kind.LIVE_END)  # the session's approval entry stands for it
        .order_by()
        .values(
            "municipality__code",
            "municipality__province__name",
            "municipality__name",
            "legal_basis",
            "kind",
            "data_items",
            "recipient",
            "crime",
        )
        .annotate(n=Sum("disclosures"), last=Max("last_provided_at"))
    )
    kinds = dict(DisclosureEntry.Kind.choices)
    published = []
    for row in rows:
        category = CRIME_CATEGORIES.get(row["crime"] or "")
        published.append(
            {
                "municipality": f"{row['municipality__province__name']} {row['municipality__name']}",
                "code": row["municipality__code"],
                "basis": LEGAL_BASES[row["legal_basis"]],
                # The purpose as the category of the order, never the officer's free text.
                "purpose": category.label if category else kinds[row["kind"]],
                "kind": kinds[row["kind"]],
                "scope": row["data_items"] if row["kind"] == DisclosureEntry.Kind.LOCATION else kinds[row["kind"]],
                "recipient": row["recipient"],
                "count": row["n"],
                "last": row["last"],
            }
        )
    # Ties broken by kind, receiving body and scope: the counts' rows come in no particular order.
    published.sort(
        key=lambda item: (
            item["code"],
            item["basis"].item,
            str(item["purpose"]),
            str(item["kind"]),
            item["recipient"],
            str(item["scope"]),
        )
    )
    return published


def retention_in_force() -> dict[str, Any]:
    Municipality = ledger_reference("municipality")
    lookback = Municipality.objects.filter(lookback_retention_hours__gt=0).aggregate(
        n=Count("id"), longest=Max("lookback_retention_hours")
    )
    return {
        "footage_access_hours": settings.FOOTAGE_ACCESS_HOURS,
        "footage_retention_days": settings.FOOTAGE_RETENTION_DAYS,
        "sighting_retention_days": getattr(settings, "SIGHTING_RETENTION_DAYS", None),
        "lookback_municipalities": lookback["n"],
        "lookback_longest_hours": lookback["longest"] or 0,
    }


def published_chain_heads() -> dict[str, Any]:
    """The last signed head of each chain, with the exact signed text, so anyone can check it with the key."""
    return {
        "public_key": public_key_hex(),
        "statements": [
            {
                "label": CHAINS[statement.chain][0]._meta.verbose_name_plural,
                "statement": statement,
                "message": statement_message(statement).decode(),
            }
            for statement in latest_statements()
        ],
    }


def transparency_report(*, month: dt.date) -> dict[str, Any]:
    since, until = month_bounds(month, month)
    rows = _municipality_rows(month, since, until)
    totals = MunicipalityMonth("", "", **{key: sum(getattr(row, key) for row in rows) for key in COUNTED})
    return {
        "month": month,
        "municipalities": rows,
        "totals": totals,
        "by_legal_basis": _by_legal_basis(month),
        "publication": _publication_list(month),
        "retention": retention_in_force(),
        "chain_heads": published_chain_heads(),
    }
