"""Filters shared by the auditor's pages, the CSV export and the API, so all three select the same rows."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audit.models import AccessLogEntry, AccessTally, DisclosureEntry
from audit.purposes import LEGAL_BASES

# The kinds of object the access log names most often, offered as suggestions in the "kind" filter.
KNOWN_OBJECT_KINDS = (
    "sighting",
    "wantedorder",
    "footagerequest",
    "footagefile",
    "alerts",
    "apikey",
    "ledger",
    "access_log",
    "plate",
    "person",
    "anomalies",
    "statistics",
)
# "Refused" in the outcome filter: denied or not found (another tenant's object answers as not found).
REFUSED = "refused"
REFUSED_OUTCOMES = (AccessLogEntry.Outcome.DENIED, AccessLogEntry.Outcome.NOT_FOUND)


def start_of(day: dt.date) -> dt.datetime:
    """Midnight of the day in the site's time zone, so a day means the auditor's day and the index is used."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def municipality_q(value: str, *, prefix: str = "municipality__") -> Q:
    """A municipality named by its code, its name or province and name ("11380", "은평구", "서울 은평구").

    Every word must match the code exactly or be part of the municipality's or its province's name.
    """
    condition = Q()
    for word in value.split():
        condition &= (
            Q(**{f"{prefix}code": word})
            | Q(**{f"{prefix}name__icontains": word})
            | Q(**{f"{prefix}province__name__icontains": word})
        )
    return condition


class _PeriodFilterSet(django_filters.FilterSet):
    since = django_filters.DateFilter(label=_("From (date)"), method="filter_since")
    until = django_filters.DateFilter(label=_("Until (date, inclusive)"), method="filter_until")
    time_field = ""

    def filter_since(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(**{f"{self.time_field}__gte": start_of(value)})

    def filter_until(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(**{f"{self.time_field}__lt": start_of(value + dt.timedelta(days=1))})

    def filter_municipality(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(municipality_q(value))


class DisclosureFilter(_PeriodFilterSet):
    # A code, as the API documents it (the access log's filters also take names).
    municipality = django_filters.CharFilter(
        field_name="municipality__code", label=_("Municipality code"), max_length=5
    )
    legal_basis = django_filters.ChoiceFilter(
        choices=[(code, code) for code in LEGAL_BASES], label=_("Legal basis"), empty_label=_("any")
    )
    kind = django_filters.ChoiceFilter(choices=DisclosureEntry.Kind.choices, label=_("Kind"), empty_label=_("any"))
    case_number = django_filters.CharFilter(label=_("Case number"), max_length=40)
    order = django_filters.UUIDFilter(field_name="order_id", label=_("Wanted order (id)"))
    time_field = "provided_at"

    class Meta:
        model = DisclosureEntry
        fields: list[str] = []

    def pages_by_keys_first(self) -> bool:
        """A case's entries are paged from the index on (case number, sequence): keys first (audit.paging)."""
        return bool(self.form.cleaned_data.get("case_number"))


class AccessLogFilter(_PeriodFilterSet):
    """People's entries by default; machine and anonymous entries only when asked for."""

    actor = django_filters.CharFilter(label=_("Person (username)"), max_length=150, method="filter_person")
    role = django_filters.ChoiceFilter(choices=User.Role.choices, label=_("Role"), empty_label=_("any"))
    municipality = django_filters.CharFilter(
        label=_("Municipality (name or code)"), max_length=60, method="filter_municipality"
    )
    agency = django_filters.CharFilter(label=_("Agency (name)"), max_length=100, method="filter_agency")
    object_type = django_filters.CharFilter(
        label=_("Kind of object"), max_length=40, widget=forms.TextInput(attrs={"list": "object-kinds"})
    )
    object_id = django_filters.CharFilter(label=_("Object id"), max_length=64)
    action = django_filters.CharFilter(label=_("Action"), max_length=40)
    plate = django_filters.CharFilter(label=_("Plate"), max_length=20)
    outcome = django_filters.ChoiceFilter(
        choices=[*AccessLogEntry.Outcome.choices, (REFUSED, _("Refused (denied or not found)"))],
        label=_("Outcome"),
        empty_label=_("any"),
        method="filter_outcome",
    )
    machines = django_filters.BooleanFilter(
        label=_("Include machine and anonymous entries"), widget=forms.CheckboxInput, method="filter_machines"
    )
    time_field = "at"

    class Meta:
        model = AccessLogEntry
        fields: list[str] = []

    def filter_person(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Through the person's id: the (actor, at) index answers, whatever the label said (a key's use, a rename).
        return queryset.filter(actor__username=value)

    def filter_agency(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(agency__name__icontains=value) | Q(agency__code=value))

    def filter_outcome(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == REFUSED:
            return queryset.filter(outcome__in=REFUSED_OUTCOMES)
        return queryset.filter(outcome=value)

    def filter_machines(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset  # applied in filter_queryset, because hiding is what happens when nothing is asked

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("machines"):
            queryset = queryset.filter(actor__isnull=False)
        return queryset


class MachineTrafficFilter(_PeriodFilterSet):
    """The access tallies: integration-key use and repeated refusals, counted per interval."""

    kind = django_filters.ChoiceFilter(choices=AccessTally.Kind.choices, label=_("Kind"), empty_label=_("any"))
    key = django_filters.CharFilter(label=_("Key (prefix or name)"), max_length=100, method="filter_key")
    municipality = django_filters.CharFilter(
        label=_("Municipality (name or code)"), max_length=60, method="filter_municipality"
    )
    outcome = django_filters.ChoiceFilter(
        choices=AccessLogEntry.Outcome.choices, label=_("Outcome"), empty_label=_("any")
    )
    time_field = "first_at"

    class Meta:
        model = AccessTally
        fields: list[str] = []

    def filter_key(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        label = value if value.startswith("key:") else f"key:{value}"
        return queryset.filter(Q(actor_label=label) | Q(api_key__name__icontains=value))


class PeriodForm(forms.Form):
    since = forms.DateField(label=_("From (date)"), required=False)
    until = forms.DateField(label=_("Until (date, inclusive)"), required=False)

    def bounds(self, *, default_days: int = 30) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
        """(first day, last day, start, end) of the period asked for; the last default_days when not given."""
        today = timezone.localdate()
        last = self.cleaned_data.get("until") or today
        first = self.cleaned_data.get("since") or last - dt.timedelta(days=default_days)
        return first, last, start_of(first), start_of(last + dt.timedelta(days=1))


def _anomaly_kinds() -> list[tuple[str, str]]:
    from audit.anomalies import KIND_LABELS  # the anomalies module reads this one's filters

    return [("", _("every kind")), *KIND_LABELS.items()]


class AnomalyForm(PeriodForm):
    kind = forms.ChoiceField(label=_("Kind of flag"), choices=_anomaly_kinds, required=False)


class PersonForm(PeriodForm):
    person = forms.CharField(label=_("Person (username)"), max_length=150, required=False)
    field_order = ["person", "since", "until"]


class PlateSearchForm(PeriodForm):
    plate = forms.CharField(label=_("Plate"), max_length=20, min_length=2)
    reason = forms.CharField(
        label=_("Reason for this search"),
        max_length=200,
        min_length=5,
        help_text=_("Recorded in the access log with the search, e.g. the data subject's request number."),
    )
    field_order = ["plate", "reason", "since", "until"]

    def clean_plate(self) -> str:
        # As plates are stored: no spaces ("12가 3456" is 12가3456).
        return "".join(self.cleaned_data["plate"].split())
