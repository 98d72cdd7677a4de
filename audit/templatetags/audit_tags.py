"""The auditor's landing summary, available to the home page without the accounts app knowing about audit."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from typing import Any
from urllib.parse import urlencode

from django import template
from django.apps import apps
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


# The access log stores machine names (they are stable and searchable); the auditor reads words.
ACTION_LABELS = {
    "get": _("viewed"),
    "list": _("listed"),
    "view": _("viewed"),
    "create": _("created"),
    "post": _("submitted"),
    "export": _("exported"),
    "search": _("searched"),
    "verify": _("verified integrity"),
    "dashboard": _("opened the dashboard"),
    "subscribe": _("subscribed to live alerts"),
    "login": _("signed in"),
    "lockout": _("locked out"),
    "logout-everywhere": _("signed out everywhere"),
    "second-factor": _("second factor"),
    "key-create": _("created an API key"),
    "key-revoke": _("revoked an API key"),
}


@register.filter
def action_label(action: str) -> str:
    """The access-log action in words, the stored name where there are none."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


@functools.cache
def _model_names() -> dict[str, Any]:
    return {model._meta.model_name: model._meta.verbose_name for model in apps.get_models()}


@register.filter
def kind_label(object_type: str) -> str:
    """The kind of object in words (a model's own name), the stored name where there is none."""
    name = _model_names().get(object_type)
    return str(name) if name is not None else object_type
