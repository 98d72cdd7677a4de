"""Monthly counts of disclosures for the auditor's statistics page and the public transparency page."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from audit.models import DisclosureEntry, DisclosureMonth
from audit.purposes import CRIME_CATEGORIES, LEGAL_BASES


def month_starts(months: int, *, today: dt.date | None = None) -> list[dt.date]:
    """The first days of the last `months` months, oldest first, ending with the current one."""
    today = today or timezone.localdate()
    year, month = today.year, today.month
    starts = []
    for _ in range(months):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def month_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the start of month `first` to the start of the month after `last`, in the site's time zone."""
    after = dt.date(last.year + last.month // 12, last.month % 12 + 1, 1)
    return (
        timezone.make_aware(dt.datetime.combine(first, dt.time.min)),
        timezone.make_aware(dt.datetime.combine(after, dt.time.min)),
    )


def _month(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return value.replace(day=1)


@dataclass
class Pivot:
    """Rows by a label, one column per month, with row and column totals."""

    months: list[dt.date]
    rows: list[tuple[str, list[int], int]] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)
    total: int = 0


def pivot(records: Iterable[dict[str, Any]], months: list[dt.date], label: Callable[[dict[str, Any]], str]) -> Pivot:
    counts: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for record in records:
        counts[label(record)][_month(record["month"])] += record["n"]
    rows = [(name, [by_month.get(m, 0) for m in months], sum(by_month.values())) for name, by_month in counts.items()]
    rows.sort(key=lambda row: (-row[2], row[0]))
    totals = [sum(row[1][i] for row in rows) for i in range(len(months))]
    return Pivot(months, rows, totals, sum(totals))


def disclosure_statistics(*, months: list[dt.date]) -> dict[str, Pivot]:
    """Disclosures per month by legal basis, by providing municipality and by purpose.

    From the monthly counts kept as entries are written (audit.disclosure_months), not from the ledger itself.
    """
    monthly = (
        DisclosureMonth.objects.filter(month__gte=months[0], month__lte=months[-1])
        # A live view's closing entry completes its approval's entry: one session, one provision.
        .exclude(kind=DisclosureEntry.Kind.LIVE_END)
        .order_by()
    )
    by_basis = monthly.values("month", "legal_basis").annotate(n=Sum("disclosures"))
    by_municipality = monthly.values(
        "month", "municipality__code", "municipality__province__name", "municipality__name"
    ).annotate(n=Sum("disclosures"))
    # The purpose as the order's crime category under its legal basis, never the officer's free text.
    by_purpose = monthly.values("month", "crime", "legal_basis").annotate(n=Sum("disclosures"))
    return {
        "legal_basis": pivot(by_basis, months, lambda r: r["legal_basis"]),
        "municipality": pivot(
            by_municipality,
            months,
            lambda r: f"{r['municipality__province__name']} {r['municipality__name']} ({r['municipality__code']})",
        ),
        "purpose": pivot(by_purpose, months, purpose_label),
    }


def purpose_label(record: dict[str, Any]) -> str:
    """ "Robbery · 18-2-7 (investigation of a crime)": the category and the basis it was disclosed under."""
    category = CRIME_CATEGORIES.get(record["crime"] or "")
    basis = LEGAL_BASES.get(record["legal_basis"])
    crime = str(category.label) if category else gettext("order no longer on record")
    return f"{crime} · {record['legal_basis']}" + (f" — {basis.text}" if basis else "")
