"""Filters shared by the auditor's pages, the CSV export and the API, so all three select the same rows."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AccessLogEntry, DisclosureEntry
from audit.purposes import LEGAL_BASES


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight of the day in the site's time zone, so a day means the auditor's day and the index is used."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class _PeriodFilterSet(django_filters.FilterSet):
    since = django_filters.DateFilter(label=_("From (date)"), method="filter_since")
    until = django_filters.DateFilter(label=_("Until (date, inclusive)"), method="filter_until")
    time_field = ""

    def filter_since(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(**{f"{self.time_field}__gte": _start_of(value)})

    def filter_until(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(**{f"{self.time_field}__lt": _start_of(value + dt.timedelta(days=1))})


class DisclosureFilter(_PeriodFilterSet):
    municipality = django_filters.CharFilter(
        field_name="municipality__code", label=_("Municipality code"), max_length=5
    )
    legal_basis = django_filters.ChoiceFilter(
        choices=[(code, code) for code in LEGAL_BASES], label=_("Legal basis"), empty_label=_("any")
    )
    kind = django_filters.ChoiceFilter(choices=DisclosureEntry.Kind.choices, label=_("Kind"), empty_label=_("any"))
    case_number = django_filters.CharFilter(label=_("Case number"), max_length=40)
    time_field = "provided_at"

    class Meta:
        model = DisclosureEntry
        fields: list[str] = []


class AccessLogFilter(_PeriodFilterSet):
    actor = django_filters.CharFilter(field_name="actor_label", label=_("Actor"), max_length=160)
    action = django_filters.CharFilter(label=_("Action"), max_length=40)
    object_type = django_filters.CharFilter(label=_("Object type"), max_length=40)
    plate = django_filters.CharFilter(label=_("Plate"), max_length=20)
    outcome = django_filters.ChoiceFilter(
        choices=AccessLogEntry.Outcome.choices, label=_("Outcome"), empty_label=_("any")
    )
    time_field = "at"

    class Meta:
        model = AccessLogEntry
        fields: list[str] = []


class PeriodForm(forms.Form):
    since = forms.DateField(label=_("From (date)"), required=False)
    until = forms.DateField(label=_("Until (date, inclusive)"), required=False)
