"""The auditor's pages (ledger, access log, machine traffic, one person, one plate, one order, verification,
statistics, anomalies) and the public transparency page.

Every page is recorded in the access log by audit.access_middleware; the views only say what they showed
(wassweb.access_note.describe).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_filters import FilterSet

from accounts.models import User
from audit import charts, exports, selectors, statistics, transparency
from audit.anomalies import KIND_LABELS, anomaly_flags, thresholds
from audit.filters import (
    KNOWN_OBJECT_KINDS,
    AccessLogFilter,
    AnomalyForm,
    DisclosureFilter,
    MachineTrafficFilter,
    PeriodForm,
    PersonForm,
    PlateSearchForm,
    start_of,
)
from audit.models import ledger_reference
from audit.paging import PAGE_SIZE, CursorInvalid, KeysetPage, keyset_page, query_without
from audit.permissions import audit_may_read, audit_refusal_record
from audit.purposes import CRIME_CATEGORIES, LEGAL_BASES
from wassweb.access_note import describe

STATISTICS_MONTHS = (3, 6, 12, 24)
# Flags of each kind the anomalies page lists when it shows every kind (the rest are one link away).
FLAGS_SHOWN_PER_KIND = 20
# How far back the machine-traffic summary counts when no period is given (the tallies grow a row per key a minute).
MACHINE_SUMMARY_DEFAULT = dt.timedelta(hours=24)


def auditor_page(object_type: str) -> Callable:
    """Auditors only: anyone else is refused (403, or the login page when not logged in) and the refusal logged."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not audit_may_read(request.user):
                audit_refusal_record(request, obj=(object_type, kwargs.get("pk", "")))
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                raise PermissionDenied
            describe(request, object_type=object_type)
            return view(request, *args, **kwargs)

        return require_GET(wrapped)

    return decorator


def _invalid_csv(errors: dict) -> HttpResponse:
    return HttpResponse(
        "\n".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()),
        status=400,
        content_type="text/plain; charset=utf-8",
    )


def _keyset(
    request: HttpRequest, queryset, *, prefix: str = "", count: bool = True, keys_first: bool = False
) -> KeysetPage:
    page = keyset_page(queryset, request.GET, prefix=prefix, count=count, keys_first=keys_first)
    page.query = query_without(request.GET, page.before_name, page.after_name)
    return page


# ---------------------------------------------------------------------------------------------------------
# The disclosure ledger
# ---------------------------------------------------------------------------------------------------------


@auditor_page("ledger")
def ledger(request: HttpRequest) -> HttpResponse:
    # Paged by sequence ("older than #n") and not counted: the ledger holds millions of entries, and a page
    # number or a count would read through them.
    filtered = DisclosureFilter(request.GET, queryset=selectors.disclosures())
    return _keyset_list(
        request,
        filtered,
        "audit/ledger.html",
        lambda _filtered: {},
        count=False,
        keys_first=DisclosureFilter.pages_by_keys_first,
    )


@auditor_page("ledger")
def ledger_entry(request: HttpRequest, pk) -> HttpResponse:
    entry = get_object_or_404(selectors.disclosure_with_references(), pk=pk)
    describe(request, action="view", object_id=entry.sequence, shown=1)
    people = {person.pk: person for person in (entry.requester, entry.approver) if person is not None}
    return render(
        request,
        "audit/ledger_entry.html",
        {
            "entry": entry,
            "basis": LEGAL_BASES.get(entry.legal_basis),
            "crime": CRIME_CATEGORIES.get(entry.order.crime) if entry.order else None,
            "integrity": selectors.entry_integrity(entry),
            "people": people,
        },
    )


@auditor_page("ledger")
def ledger_csv(request: HttpRequest) -> HttpResponse:
    filtered = DisclosureFilter(request.GET, queryset=selectors.disclosures())
    if not filtered.is_valid():
        return _invalid_csv(filtered.errors)
    describe(request, action="export")
    return exports.ledger_response(filtered.qs, name="disclosure-ledger")


# ---------------------------------------------------------------------------------------------------------
# The access log: people's entries, and machine traffic apart
# ---------------------------------------------------------------------------------------------------------


def _machine_summary(filtered: FilterSet) -> dict:
    """Requests and rows per kind of the machine traffic, over the period asked (the last 24 hours otherwise)."""
    queryset = filtered.qs if filtered.is_valid() else filtered.queryset.none()
    since = filtered.form.cleaned_data.get("since") if filtered.is_valid() else None
    if since is None:
        queryset = queryset.filter(first_at__gte=timezone.now() - MACHINE_SUMMARY_DEFAULT)
    return selectors.machine_summary(queryset, since_given=since is not None)


def _access_tabs(request: HttpRequest, active: str) -> dict:
    return {"tab_active": active, "tab_query": query_without(request.GET, "before", "after")}


def _keyset_list(
    request: HttpRequest,
    filtered: Any,
    template: str,
    context: Callable[[Any], dict],
    *,
    count: bool = True,
    keys_first: Callable[[Any], bool] | None = None,
) -> HttpResponse:
    """A filtered list paged by keyset: 400 with the form's errors for a bad filter or cursor, never a 500.

    `keys_first` tells from the valid filter whether to read the page's keys first (audit.paging.keyset_page)."""
    valid = filtered.is_valid()
    queryset = filtered.qs if valid else filtered.queryset.none()
    try:
        page = _keyset(request, queryset, count=count, keys_first=bool(valid and keys_first and keys_first(filtered)))
    except CursorInvalid as error:
        filtered.form.add_error(None, _("%(name)s must be an entry number.") % {"name": error.name})
        valid, page = False, KeysetPage([], None, None)
    describe(request, action="list", shown=len(page.object_list))
    return render(
        request, template, {"filter": filtered, "page": page, **context(filtered)}, status=200 if valid else 400
    )


@auditor_page("access_log")
def access_log(request: HttpRequest) -> HttpResponse:
    filtered = AccessLogFilter(request.GET, queryset=selectors.access_log())
    return _keyset_list(
        request,
        filtered,
        "audit/access_log.html",
        lambda _filtered: {"known_kinds": KNOWN_OBJECT_KINDS, **_access_tabs(request, "people")},
    )


@auditor_page("access_log")
def access_log_csv(request: HttpRequest) -> HttpResponse:
    filtered = AccessLogFilter(request.GET, queryset=selectors.access_log())
    if not filtered.is_valid():
        return _invalid_csv(filtered.errors)
    describe(request, action="export")
    return exports.access_log_response(filtered.qs, name="access-log")


@auditor_page("access_tally")
def machine_traffic(request: HttpRequest) -> HttpResponse:
    filtered = MachineTrafficFilter(request.GET, queryset=selectors.machine_traffic())
    return _keyset_list(
        request,
        filtered,
        "audit/machine_traffic.html",
        lambda valid_filter: {"summary": _machine_summary(valid_filter), **_access_tabs(request, "machines")},
    )


@auditor_page("access_tally")
def machine_traffic_csv(request: HttpRequest) -> HttpResponse:
    filtered = MachineTrafficFilter(request.GET, queryset=selectors.machine_traffic())
    if not filtered.is_valid():
        return _invalid_csv(filtered.errors)
    describe(request, action="export")
    return exports.machine_traffic_response(filtered.qs, name="machine-traffic")


# ---------------------------------------------------------------------------------------------------------
# One person, one plate, one order
# ---------------------------------------------------------------------------------------------------------


def _person_request(request: HttpRequest) -> tuple[PersonForm, User | None, tuple | None]:
    """The form, the person asked for (None when not asked or unknown: a form error names it) and the period."""
    form = PersonForm(request.GET)
    if not form.is_valid():
        return form, None, None
    username = form.cleaned_data["person"]
    if not username:
        return form, None, None
    person = User.objects.select_related("agency", "municipality__province").filter(username=username).first()
    if person is None:
        form.add_error("person", _("No person has this username."))
        return form, None, None
    return form, person, form.bounds()


@auditor_page("person")
def person_view(request: HttpRequest) -> HttpResponse:
    form, person, period = _person_request(request)
    if person is None:
        describe(request, action="view", shown=0)
        return render(request, "audit/person.html", {"form": form}, status=400 if form.errors else 200)
    first, last, since, until = period
    try:
        looks = _keyset(request, selectors.person_access(person=person, since=since, until=until))
        disclosures = selectors.person_disclosures(person=person, since=since, until=until)
        given = _keyset(request, disclosures, prefix="ledger_")
    except CursorInvalid as error:
        form.add_error(None, _("%(name)s must be an entry number.") % {"name": error.name})
        return render(request, "audit/person.html", {"form": form}, status=400)
    describe(
        request,
        action="view",
        object_id=person.username,
        shown=len(looks.object_list) + len(given.object_list),
        filters={"person": person.username, "since": first, "until": last},
    )
    return render(
        request,
        "audit/person.html",
        {"form": form, "person": person, "first": first, "last": last, "looks": looks, "given": given},
    )


@auditor_page("person")
def person_csv(request: HttpRequest) -> HttpResponse:
    form, person, period = _person_request(request)
    if person is None:
        errors = form.errors or {"person": [_("Name the person (username).")]}
        return _invalid_csv(errors)
    first, last, since, until = period
    describe(
        request,
        action="export",
        object_id=person.username,
        filters={"person": person.username, "since": first, "until": last},
    )
    return exports.person_response(
        access=selectors.person_access(person=person, since=since, until=until),
        ledger=selectors.person_disclosures(person=person, since=since, until=until),
        person=person,
        name=f"person-{person.username}",
    )


def _plate_search(request: HttpRequest) -> tuple[PlateSearchForm, bool]:
    """The form and whether a search was asked for at all (an empty form is the page's first view)."""
    asked = any(request.GET.get(name) for name in ("plate", "reason"))
    form = PlateSearchForm(request.GET if asked else None)
    return form, asked


def _describe_plate_search(request: HttpRequest, form: PlateSearchForm, *, action: str, shown: int) -> None:
    """The search, its reason and the plate (only when it matched something: a plate that matched nothing is not
    kept), in the request's one access-log entry."""
    plate = form.cleaned_data["plate"]
    describe(
        request,
        action=action,
        object_type="plate",
        plate=plate if shown else "",
        shown=shown,
        reason=form.cleaned_data["reason"],
        filters={
            "plate": plate if shown else "(matched nothing)",
            "since": form.cleaned_data.get("since") or "",
            "until": form.cleaned_data.get("until") or "",
        },
    )


@auditor_page("plate")
def plate_view(request: HttpRequest) -> HttpResponse:
    form, asked = _plate_search(request)
    if not asked or not form.is_valid():
        describe(request, action="search", object_type="plate", shown=0)
        return render(request, "audit/plate.html", {"form": form}, status=400 if asked else 200)
    since, until = _optional_period(form)
    entries = selectors.plate_disclosures(plate=form.cleaned_data["plate"], since=since, until=until)
    try:
        page = _keyset(request, entries)
    except CursorInvalid as error:
        form.add_error(None, _("%(name)s must be an entry number.") % {"name": error.name})
        return render(request, "audit/plate.html", {"form": form}, status=400)
    _describe_plate_search(request, form, action="search", shown=page.count)
    return render(
        request, "audit/plate.html", {"form": form, "page": page, "plate": form.cleaned_data["plate"], "asked": True}
    )


@auditor_page("plate")
def plate_csv(request: HttpRequest) -> HttpResponse:
    form = PlateSearchForm(request.GET)
    if not form.is_valid():
        return _invalid_csv(form.errors)
    since, until = _optional_period(form)
    entries = selectors.plate_disclosures(plate=form.cleaned_data["plate"], since=since, until=until)
    _describe_plate_search(request, form, action="export", shown=entries.count())
    return exports.ledger_response(entries, name="plate-disclosures")


def _optional_period(form: PeriodForm) -> tuple[dt.datetime | None, dt.datetime | None]:
    since, until = form.cleaned_data.get("since"), form.cleaned_data.get("until")
    return (
        start_of(since) if since else None,
        start_of(until + dt.timedelta(days=1)) if until else None,
    )


@auditor_page("wantedorder")
def order_view(request: HttpRequest, order_id) -> HttpResponse:
    """What the ledger and the access log hold about one wanted order: its facts, disclosures and who looked."""
    WantedOrder = ledger_reference("order")  # sightings' model, through the ledger's relation
    order = WantedOrder.objects.select_related("agency", "issued_by").filter(pk=order_id).first()
    if order is None:
        raise Http404(_("No such order."))
    disclosures = selectors.disclosures().filter(order_id=order.pk)[:PAGE_SIZE]
    looks = selectors.access_log().filter(object_type="wantedorder", object_id=str(order.pk))[:PAGE_SIZE]
    describe(request, action="view", object_id=order.pk, plate=order.plate, shown=1)
    return render(
        request,
        "audit/order.html",
        {
            "order": order,
            "crime": CRIME_CATEGORIES.get(order.crime),
            "basis": LEGAL_BASES.get(order.legal_basis),
            "disclosures": list(disclosures),
            "looks": list(looks),
            "page_size": PAGE_SIZE,
        },
    )


# ---------------------------------------------------------------------------------------------------------
# Verification, statistics, anomalies
# ---------------------------------------------------------------------------------------------------------


@auditor_page("ledger")
def verify(request: HttpRequest) -> HttpResponse:
    started = timezone.now()
    verdicts = selectors.integrity_check()
    elapsed = (timezone.now() - started).total_seconds()
    describe(request, action="verify")
    return render(
        request,
        "audit/verify.html",
        {
            "chains": [(selectors.CHAINS[name][1], verdict) for name, verdict in verdicts.items()],
            "checked_at": started,
            "elapsed": elapsed,
        },
    )


@auditor_page("statistics")
def statistics_page(request: HttpRequest) -> HttpResponse:
    try:
        count = int(request.GET.get("months", 12))
    except ValueError:
        count = 0
    describe(request, action="list")
    if count not in STATISTICS_MONTHS:
        return render(
            request,
            "audit/statistics.html",
            {"error": _("months must be one of 3, 6, 12 or 24."), "choices": STATISTICS_MONTHS},
            status=400,
        )
    months = statistics.month_starts(count)
    pivots = statistics.disclosure_statistics(months=months)
    basis = pivots["legal_basis"]
    chart = charts.stacked_bars(
        title=_("Disclosures per month by legal basis"),
        months=months,
        series=[(code, values) for code, values, _total in sorted(basis.rows)],
    )
    return render(
        request,
        "audit/statistics.html",
        {"pivots": pivots, "months": months, "chart": chart, "count": count, "choices": STATISTICS_MONTHS},
    )


@auditor_page("anomalies")
def anomalies(request: HttpRequest) -> HttpResponse:
    form = AnomalyForm(request.GET)
    if not form.is_valid():
        describe(request, action="list")
        return render(request, "audit/anomalies.html", {"form": form}, status=400)
    first, last, since, until = form.bounds()
    kind = form.cleaned_data["kind"]
    flags = anomaly_flags(since=since, until=until, kinds=[kind] if kind else None)
    total = sum(len(items) for items in flags.values())
    # Every kind at once shows each kind's first flags, with a link to all of that kind (up to the scans' bound).
    per_kind = None if kind else FLAGS_SHOWN_PER_KIND
    describe(request, action="list", shown=sum(len(items[:per_kind]) for items in flags.values()))
    return render(
        request,
        "audit/anomalies.html",
        {
            "form": form,
            "first": first,
            "last": last,
            "groups": [(name, KIND_LABELS[name], items) for name, items in flags.items()],
            "total": total,
            "per_kind": per_kind,
            "shown": f":{per_kind or ''}",
            "query": query_without(request.GET, "kind"),
            "thresholds": thresholds(),
        },
    )


@require_GET
def transparency_page(request: HttpRequest) -> HttpResponse:
    """Public, no login: counts per municipality and month, and what PIPA 18(4) obliges to publish."""
    months = statistics.month_starts(12)
    chosen = request.GET.get("month") or f"{months[-1]:%Y-%m}"
    try:
        month = dt.datetime.strptime(chosen, "%Y-%m").date()  # noqa: DTZ007 - a calendar month, no time
    except ValueError:
        return render(
            request,
            "audit/transparency.html",
            {"error": _("month must be written YYYY-MM, e.g. 2026-11."), "months": months},
            status=400,
        )
    report = transparency.transparency_report(month=month)
    return render(request, "audit/transparency.html", {"report": report, "months": months, "month": month})
