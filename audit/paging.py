"""Keyset pages for the auditor's long lists: "older than #n" instead of page numbers, and a bounded count.

The access log grows by one row per request and the tallies by one per key and interval: at a year's volume an
OFFSET page deep in the list, or a COUNT(*) of everything, reads millions of rows. A keyset page reads its
fifty rows from the sequence index wherever it is in the list, and the count stops at COUNT_CAP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

PAGE_SIZE = 50
COUNT_CAP = 10_000


class CursorInvalid(ValueError):
    """A cursor parameter that is not a positive whole number; names the parameter."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass
class KeysetPage:
    object_list: list[Any]
    # Cursors for the neighbouring pages (None when there is none), and the parameter names they go in.
    newer: int | None
    older: int | None
    before_name: str = "before"
    after_name: str = "after"
    count: int = 0
    count_capped: bool = False
    query: str = ""  # the other parameters of the request, kept in the pager's links

    @property
    def has_other_pages(self) -> bool:
        return self.newer is not None or self.older is not None


def _cursor(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name) or ""
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise CursorInvalid(name)
    return int(raw)


def bounded_count(queryset: QuerySet, *, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, capped): the number of rows up to cap, read as SELECT COUNT(*) FROM (… LIMIT cap + 1)."""
    counted = queryset.order_by().values("pk")[: cap + 1].count()
    return min(counted, cap), counted > cap


def keyset_page(
    queryset: QuerySet,
    params: Mapping[str, str],
    *,
    key: str = "sequence",
    size: int = PAGE_SIZE,
    prefix: str = "",
    count: bool = True,
    keys_first: bool = False,
) -> KeysetPage:
    """The page of queryset (newest first by `key`) that params' `before` or `after` cursor asks for.

    `prefix` names the cursors (`<prefix>before`, `<prefix>after`) so two lists can share one page.
    `keys_first` reads the page's keys alone first, then those rows: for a filter on a field indexed together with
    the key. Asked for whole rows, PostgreSQL walks the key's own index back through every row, filtering, when it
    assumes the matching rows are spread evenly (one case's entries all months old: the whole ledger read); asked
    for the keys alone, it reads them from the index on (field, key), without the table.
    Raises CursorInvalid for a cursor that is not a positive whole number.
    """
    before_name, after_name = f"{prefix}before", f"{prefix}after"
    before, after = _cursor(params, before_name), _cursor(params, after_name)
    if after is not None and before is None:
        rows = _rows(queryset.filter(**{f"{key}__gt": after}), key, size + 1, keys_first)
        has_newer = len(rows) > size
        rows = rows[:size][::-1]
        has_older = True
    else:
        if before is not None:
            queryset_page = queryset.filter(**{f"{key}__lt": before})
        else:
            queryset_page = queryset
        rows = _rows(queryset_page, f"-{key}", size + 1, keys_first)
        has_older = len(rows) > size
        rows = rows[:size]
        has_newer = before is not None
    total, capped = bounded_count(queryset) if count else (0, False)
    return KeysetPage(
        object_list=rows,
        newer=getattr(rows[0], key) if rows and has_newer else None,
        older=getattr(rows[-1], key) if rows and has_older else None,
        before_name=before_name,
        after_name=after_name,
        count=total,
        count_capped=capped,
    )


def _rows(queryset: QuerySet, ordering: str, limit: int, keys_first: bool) -> list[Any]:
    """The first `limit` rows of queryset in that ordering ("key" or "-key")."""
    if not keys_first:
        return list(queryset.order_by(ordering)[:limit])
    key = ordering.removeprefix("-")
    keys = list(queryset.order_by(ordering).values_list(key, flat=True)[:limit])
    by_key = {getattr(row, key): row for row in queryset.filter(**{f"{key}__in": keys}).order_by()}
    return [by_key[value] for value in keys]


def query_without(params: Any, *names: str) -> str:
    """The request's query string without the named parameters (a pager's link adds its own cursor)."""
    query = params.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
