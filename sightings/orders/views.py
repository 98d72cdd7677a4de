"""HTML pages for wanted orders (officers) and the look-back buffer setting (centre operators)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit.purposes import CRIME_CATEGORIES, LEGAL_BASES
from sightings import permissions
from sightings.footage import selectors as footage_selectors
from sightings.models import Municipality, Sighting, WantedOrder
from sightings.orders import selectors as order_selectors
from sightings.orders import services as order_services
from sightings.reads import lookback
from wassweb.access_note import describe, describe_object, describe_objects

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
ORDERS_PER_PAGE = 50
VEHICLE_FORM_FIELDS = ("make", "model", "colour", "notes")


class OrderForm(forms.Form):
    plate = forms.CharField(
        required=False, max_length=80, label=gettext_lazy("Plate"), help_text=gettext_lazy("e.g. 12가3456")
    )
    pattern = forms.CharField(
        required=False,
        max_length=80,
        label=gettext_lazy("or partial plate"),
        help_text=gettext_lazy("* for each unknown character, e.g. 12가34**"),
    )
    crime = forms.ChoiceField(
        label=gettext_lazy("Crime or urgency"),
        choices=[("", "—")] + [(slug, c.label) for slug, c in CRIME_CATEGORIES.items()],
    )
    legal_basis = forms.ChoiceField(
        label=gettext_lazy("PIPA Article 18(2) basis"),
        choices=[("", "—")] + [(code, f"{code} · {b.text}") for code, b in LEGAL_BASES.items()],
    )
    case_number = forms.CharField(required=False, max_length=40, label=gettext_lazy("Case number"))
    urgency_confirmed_by = forms.CharField(
        required=False,
        max_length=120,
        label=gettext_lazy("Urgency confirmed by"),
        help_text=gettext_lazy("Required under 18-2-3: name and rank or post of who confirmed the danger."),
    )
    priority = forms.ChoiceField(
        label=gettext_lazy("Priority"), choices=WantedOrder.Priority.choices, initial=WantedOrder.Priority.HIGH
    )
    expires_at = forms.DateTimeField(
        required=False,
        label=gettext_lazy("Expires"),
        help_text=gettext_lazy("Empty: in 7 days. At most 30 days."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    vehicle_make = forms.CharField(required=False, max_length=200, label=gettext_lazy("Make"))
    vehicle_model = forms.CharField(required=False, max_length=200, label=gettext_lazy("Model"))
    vehicle_colour = forms.CharField(required=False, max_length=200, label=gettext_lazy("Colour"))
    vehicle_notes = forms.CharField(required=False, max_length=200, label=gettext_lazy("Notes"))
    separate_case = forms.BooleanField(
        required=False,
        label=gettext_lazy("A separate case"),
        help_text=gettext_lazy(
            "Only when an active order already searches for this plate for another case: this order searches for "
            "it as well, under its own case number."
        ),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=1000, label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class RenewForm(ReasonForm):
    expires_at = forms.DateTimeField(
        required=False,
        label=gettext_lazy("New expiry"),
        help_text=gettext_lazy("Empty: 7 days from now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )


class LookbackForm(forms.Form):
    lookback_retention_hours = forms.IntegerField(
        min_value=0,
        max_value=lookback.MAX_RETENTION_HOURS,
        label=gettext_lazy("Keep unmatched reads for (hours)"),
        help_text=gettext_lazy("0 switches the buffer off and forgets everything kept."),
    )


def _require_officer(request: HttpRequest) -> None:
    if not permissions.orders_may_use(request.user):
        raise PermissionDenied


def _order_or_404(request: HttpRequest, order_id: Any) -> WantedOrder:
    _require_officer(request)
    order = order_selectors.order_get(order_id)
    if order is None or not permissions.order_may_view(request.user, order):
        raise Http404
    describe_object(request, order)
    return order


def _add_errors(form: forms.Form, exc: DjangoValidationError) -> None:
    for field, errors in exc.message_dict.items():
        if field.startswith("vehicle"):
            field = "vehicle_notes"
        form.add_error(field if field in form.fields else None, errors)


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    _require_officer(request)
    status = request.GET.get("status") or None
    if status not in WantedOrder.Status.values:
        status = None
    mine = request.GET.get("mine") == "1"
    orders = order_selectors.orders_list(status=status, agency_id=request.user.agency_id if mine else None)
    try:
        page = order_selectors.keyset_page(
            orders, time_field="created_at", cursor=request.GET.get("after"), size=ORDERS_PER_PAGE
        )
    except ValueError:
        return HttpResponseBadRequest(_("after: not a position in this list; start again from the first page."))
    describe_objects(request, page.items, object_type="wantedorder")
    return render(
        request,
        "sightings/orders/list.html",
        {
            "page": page,
            "first_page": "after" in request.GET,
            "status": status,
            "mine": mine,
            "statuses": WantedOrder.Status.choices,
            "now": timezone.now(),
        },
    )


@login_required
def order_new(request: HttpRequest) -> HttpResponse:
    _require_officer(request)
    form = OrderForm(request.POST or None)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        vehicle = {key: data[f"vehicle_{key}"] for key in VEHICLE_FORM_FIELDS if data[f"vehicle_{key}"]}
        try:
            order = order_services.order_create(
                issued_by=request.user,
                plate=data["plate"],
                pattern=data["pattern"],
                crime=data["crime"],
                legal_basis=data["legal_basis"],
                case_number=data["case_number"],
                urgency_confirmed_by=data["urgency_confirmed_by"],
                vehicle=vehicle,
                priority=data["priority"],
                expires_at=data["expires_at"],
                separate_case=data["separate_case"],
            )
        except DjangoValidationError as exc:
            _add_errors(form, exc)
        except order_services.OrderDuplicate as exc:
            duplicate = exc.existing
            form.add_error("plate" if data["plate"] else "pattern", str(exc))
        else:
            describe_object(request, order)
            describe(request, action="create")
            messages.success(request, _("The order is active and searched for nationally."))
            return redirect("sightings:order-detail", order_id=order.id)
    bases_by_category = {slug: sorted(c.bases) for slug, c in CRIME_CATEGORIES.items()}
    return render(
        request,
        "sightings/orders/new.html",
        {"form": form, "bases_by_category": bases_by_category, "duplicate": duplicate},
        # The plate is already searched for: the same answer as the API's.
        status=409 if duplicate is not None else 200,
    )


@login_required
def order_detail(request: HttpRequest, order_id: Any) -> HttpResponse:
    order = _order_or_404(request, order_id)
    try:
        trail = order_selectors.order_trail(order, cursor=request.GET.get("before"))
    except ValueError:
        return HttpResponseBadRequest(_("before: not a position in this order's sightings."))
    may_change = permissions.order_may_change(request.user, order) and order.status == WantedOrder.Status.ACTIVE
    timeline = trail.timeline.items
    cameras = trail.cameras
    map_data = {
        "basemap": static("geo/korea-municipalities.geojson"),
        "places": static("geo/emd/"),
        "municipalities": [m.code for m in trail.municipalities],
        "trail": [
            {
                "lat": stop.place.lat,
                "lon": stop.place.lon,
                "camera": cameras[stop.key].code,
                "name": cameras[stop.key].name,
                "municipality": str(cameras[stop.key].municipality),
                "seen_at": timezone.localtime(stop.last_seen).strftime("%Y-%m-%d %H:%M:%S"),
                "reads": stop.reads,
                "verification": Sighting.Verification.MISREAD if stop.all_misread else "",
            }
            for stop in trail.stops
        ],
        "next": [
            {"lat": c.lat, "lon": c.lon, "camera": c.code, "name": c.name, "km": round(p.distance_km, 1)}
            for c, p in trail.next_cameras
        ],
    }
    # Each row says whether footage was asked for about it (one query for the page's rows).
    footage_by_sighting = footage_selectors.footage_requests_by_sighting(
        request.user, [sighting.pk for sighting in trail.timeline.items]
    )
    for sighting in trail.timeline.items:
        sighting.footage_request = footage_by_sighting.get(sighting.pk)
    return render(
        request,
        "sightings/orders/detail.html",
        {
            "order": order,
            "trail": trail,
            "may_request_footage": order.is_active and permissions.footage_may_request(request.user, order),
            "may_request_live_view": order.is_active
            and order.priority == WantedOrder.Priority.URGENT
            and permissions.live_view_may_request(request.user, order),
            "timeline": timeline,
            "timeline_next": trail.timeline.next_cursor,
            "timeline_paged": "before" in request.GET,
            "since_last_seen": trail.since_last_seen(),
            "map_data": map_data,
            "may_change": may_change,
            "is_issuing_agency": permissions.order_may_change(request.user, order),
            "cancel_form": ReasonForm(prefix="cancel"),
            "resolve_form": ReasonForm(prefix="resolve"),
            "renew_form": RenewForm(prefix="renew"),
        },
    )


def _change(request: HttpRequest, order_id: Any, action: str) -> HttpResponse:
    order = _order_or_404(request, order_id)
    if not permissions.order_may_change(request.user, order):
        raise PermissionDenied
    form = (RenewForm if action == "renew" else ReasonForm)(request.POST, prefix=action)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("sightings:order-detail", order_id=order.id)
    data = form.cleaned_data
    try:
        if action == "renew":
            order_services.order_renew(
                order=order, actor=request.user, reason=data["reason"], expires_at=data["expires_at"]
            )
            messages.success(request, _("The order was renewed."))
        elif action == "cancel":
            order_services.order_cancel(order=order, actor=request.user, reason=data["reason"])
            messages.success(request, _("The order was cancelled; it no longer matches."))
        else:
            order_services.order_resolve(order=order, actor=request.user, reason=data["reason"])
            messages.success(request, _("The order was resolved; it no longer matches."))
    except DjangoValidationError as exc:
        for errors in exc.message_dict.values():
            messages.error(request, " ".join(errors))
    except order_services.OrderClosed as exc:
        messages.error(request, str(exc))
    return redirect("sightings:order-detail", order_id=order.id)


@login_required
@require_POST
def order_cancel(request: HttpRequest, order_id: Any) -> HttpResponse:
    return _change(request, order_id, "cancel")


@login_required
@require_POST
def order_resolve(request: HttpRequest, order_id: Any) -> HttpResponse:
    return _change(request, order_id, "resolve")


@login_required
@require_POST
def order_renew(request: HttpRequest, order_id: Any) -> HttpResponse:
    return _change(request, order_id, "renew")


@login_required
def lookback_settings(request: HttpRequest, code: str) -> HttpResponse:
    municipality = get_object_or_404(Municipality.objects.select_related("province"), code=code)
    if not permissions.lookback_may_configure(request.user, municipality):
        # Another centre's setting is none of this person's business: the same answer as a missing one.
        raise Http404
    form = LookbackForm(
        request.POST or None, initial={"lookback_retention_hours": municipality.lookback_retention_hours}
    )
    if request.method == "POST" and form.is_valid():
        try:
            lookback.municipality_lookback_configure(
                municipality=municipality,
                retention_hours=form.cleaned_data["lookback_retention_hours"],
                actor=request.user,
            )
        except DjangoValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The look-back setting was saved."))
            return redirect("sightings:lookback-settings", code=municipality.code)
    return render(
        request,
        "sightings/orders/lookback.html",
        {"municipality": municipality, "form": form, "max_hours": lookback.MAX_RETENTION_HOURS},
    )
