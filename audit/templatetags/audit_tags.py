"""The auditor's landing summary, available to the home page without the accounts app knowing about audit."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlencode

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from audit.anomalies import anomaly_flags
from audit.models import AccessLogEntry, DisclosureEntry

register = template.Library()


@register.simple_tag(takes_context=True)
def audit_summary(context: dict[str, Any]) -> dict[str, Any]:
    """Counts for the landing page: this month's disclosures, refusals of the last week, recent flags."""
    from audit.permissions import audit_may_read

    if not audit_may_read(context["request"].user):
        return {}
    now = timezone.now()
    today = timezone.localdate()
    month_start = timezone.make_aware(dt.datetime.combine(today.replace(day=1), dt.time.min))
    ledger = DisclosureEntry.objects.aggregate(
        total=Count("id"),
        month=Count("id", filter=Q(provided_at__gte=month_start)),
        month_location=Count("id", filter=Q(provided_at__gte=month_start, kind=DisclosureEntry.Kind.LOCATION)),
        month_footage=Count("id", filter=Q(provided_at__gte=month_start, kind=DisclosureEntry.Kind.FOOTAGE)),
    )
    denied_week = AccessLogEntry.objects.filter(
        outcome=AccessLogEntry.Outcome.DENIED, at__gte=now - dt.timedelta(days=7)
    ).count()
    flags = anomaly_flags(since=now - dt.timedelta(days=30), until=now)
    latest = DisclosureEntry.objects.select_related("municipality__province").order_by("-sequence")[:5]
    return {
        "ledger": ledger,
        "denied_week": denied_week,
        "flags": sum(len(items) for items in flags.values()),
        "latest": list(latest),
    }


@register.filter
def is_uuid(value: Any) -> bool:
    """True for text that is a UUID: an access-log object id that can be linked to its page."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@register.filter
def query(params: dict[str, str]) -> str:
    """A flag's access-log filter as a query string."""
    return urlencode(params)
