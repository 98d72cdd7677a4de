"""The auditor's pages (ledger, access log, verification, statistics, anomalies) and the public transparency page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from functools import wraps
from itertools import chain

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_filters import FilterSet

from audit import charts, selectors, statistics, transparency
from audit.anomalies import BULK_ACCESS_PER_HOUR, KIND_LABELS, REPEATED_LOOKUPS, WORKING_HOURS, anomaly_flags
from audit.filters import AccessLogFilter, DisclosureFilter, PeriodForm
from audit.permissions import audit_may_read, audit_refusal_record
from audit.purposes import LEGAL_BASES
from audit.services import access_log_record
from wassweb.csv_export import csv_stream

PAGE_SIZE = 50
STATISTICS_MONTHS = (3, 6, 12, 24)


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
            return view(request, *args, **kwargs)

        return require_GET(wrapped)

    return decorator


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _filtered_list(request: HttpRequest, filtered: FilterSet, object_type: str) -> HttpResponse:
    """One page of a filtered list (400 and no rows when the filter is not valid), its look logged.

    `object_type` names both the access-log object and the template (audit/<object_type>.html).
    """
    valid = filtered.is_valid()
    page = Paginator(filtered.qs if valid else filtered.queryset.none(), PAGE_SIZE).get_page(request.GET.get("page"))
    # Read the page before writing the auditor's own look, so the access log's rows match the count shown.
    page.object_list = list(page.object_list)
    access_log_record(actor=request.user, action="list", obj=(object_type, ""), request=request)
    return render(
        request,
        f"audit/{object_type}.html",
        {"filter": filtered, "page": page, "query": _query_without_page(request)},
        status=200 if valid else 400,
    )


@auditor_page("ledger")
def ledger(request: HttpRequest) -> HttpResponse:
    return _filtered_list(request, DisclosureFilter(request.GET, queryset=selectors.disclosures()), "ledger")


@auditor_page("ledger")
def ledger_entry(request: HttpRequest, pk) -> HttpResponse:
    entry = get_object_or_404(selectors.disclosures().select_related("recipient_agency", "order"), pk=pk)
    access_log_record(actor=request.user, action="view", obj=("ledger", entry.sequence), request=request)
    return render(request, "audit/ledger_entry.html", {"entry": entry, "basis": LEGAL_BASES.get(entry.legal_basis)})


CSV_COLUMNS = [
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


def csv_row(entry) -> list[str]:
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
            return timezone.localtime(raw).isoformat()
        return str(raw)

    return [value(name) for name, _ in CSV_COLUMNS]


@auditor_page("ledger")
def ledger_csv(request: HttpRequest) -> HttpResponse:
    filtered = DisclosureFilter(request.GET, queryset=selectors.disclosures())
    if not filtered.is_valid():
        return HttpResponse(
            "\n".join(f"{field}: {' '.join(errors)}" for field, errors in filtered.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    access_log_record(actor=request.user, action="export", obj=("ledger", ""), request=request)

    def rows() -> Iterator[str]:
        yield "\ufeff"  # so spreadsheet programs read the Korean text as UTF-8
        header = [name for _, name in CSV_COLUMNS]
        yield from csv_stream(chain([header], (csv_row(entry) for entry in filtered.qs.iterator(chunk_size=2000))))

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="disclosure-ledger-{stamp}.csv"'
    return response


@auditor_page("access_log")
def access_log(request: HttpRequest) -> HttpResponse:
    return _filtered_list(request, AccessLogFilter(request.GET, queryset=selectors.access_log()), "access_log")


@auditor_page("ledger")
def verify(request: HttpRequest) -> HttpResponse:
    started = timezone.now()
    verdicts = selectors.integrity_check()
    elapsed = (timezone.now() - started).total_seconds()
    access_log_record(actor=request.user, action="verify", obj=("ledger", ""), request=request)
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
    access_log_record(actor=request.user, action="list", obj=("statistics", ""), request=request)
    return render(
        request,
        "audit/statistics.html",
        {"pivots": pivots, "months": months, "chart": chart, "count": count, "choices": STATISTICS_MONTHS},
    )


@auditor_page("anomalies")
def anomalies(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return render(request, "audit/anomalies.html", {"form": form}, status=400)
    today = timezone.localdate()
    first = form.cleaned_data["since"] or today - dt.timedelta(days=30)
    last = form.cleaned_data["until"] or today
    since = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    until = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    flags = anomaly_flags(since=since, until=until)
    access_log_record(actor=request.user, action="list", obj=("anomalies", ""), request=request)
    return render(
        request,
        "audit/anomalies.html",
        {
            "form": form,
            "first": first,
            "last": last,
            "groups": [(kind, KIND_LABELS[kind], items) for kind, items in flags.items()],
            "total": sum(len(items) for items in flags.values()),
            "thresholds": {
                "repeated": REPEATED_LOOKUPS,
                "bulk": BULK_ACCESS_PER_HOUR,
                "start": WORKING_HOURS[0],
                "end": WORKING_HOURS[1],
            },
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
