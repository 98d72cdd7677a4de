"""HTML pages for footage requests: the officer's form and list, the centre's queue and decision forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit.purposes import LEGAL_BASES
from sightings import permissions
from sightings.centre_requests import camera_checked, requested_subject, uuid_or_none
from sightings.footage import selectors as footage_selectors
from sightings.footage import services as footage_services
from sightings.models import FootageRequest, Municipality, WantedOrder
from wassweb.access_note import describe, describe_object, describe_objects

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class FootageRequestForm(forms.Form):
    order = forms.ModelChoiceField(queryset=WantedOrder.objects.none(), label=gettext_lazy("Wanted order"))
    sighting = forms.UUIDField(required=False, widget=forms.HiddenInput)
    camera = forms.UUIDField(required=False, widget=forms.HiddenInput)
    municipality = forms.ModelChoiceField(
        queryset=Municipality.objects.select_related("province"),
        required=False,
        label=gettext_lazy("Municipality of the camera"),
    )
    camera_code = forms.CharField(required=False, max_length=40, label=gettext_lazy("Camera code"))
    window_start = forms.DateTimeField(
        required=False,
        label=gettext_lazy("From"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    window_end = forms.DateTimeField(
        required=False,
        label=gettext_lazy("Until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    purpose = forms.CharField(max_length=2000, label=gettext_lazy("Purpose"), widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.ChoiceField(
        required=False,
        label=gettext_lazy("PIPA Article 18(2) basis"),
        choices=[("", gettext_lazy("The order's basis"))]
        + [(code, f"{code} · {b.text}") for code, b in LEGAL_BASES.items()],
    )
    case_number = forms.CharField(
        required=False,
        max_length=40,
        label=gettext_lazy("Case number"),
        help_text=gettext_lazy("Defaults to the order's."),
    )
    urgent = forms.BooleanField(required=False, label=gettext_lazy("Urgent: a life is in danger"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = WantedOrder.objects.active().filter(agency_id=user.agency_id)


class DenyForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, label=gettext_lazy("Reason for the denial"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ApproveForm(forms.Form):
    # The uploads themselves are read from request.FILES (several per field); this field carries their errors.
    files = forms.FileField(required=False)
    attach_sighting_photos = forms.BooleanField(required=False, label=gettext_lazy("Attach the sighting's photos"))


def _require_footage_role(request: HttpRequest) -> None:
    if not permissions.footage_may_use(request.user):
        raise PermissionDenied


def _visible_or_404(request: HttpRequest, request_id: Any) -> FootageRequest:
    _require_footage_role(request)
    footage_request = footage_selectors.footage_request_get(request.user, request_id)
    if footage_request is None:
        raise Http404
    describe_object(request, footage_request)
    return footage_request


def _add_errors(form: forms.Form, exc: DjangoValidationError) -> None:
    for field, errors in exc.message_dict.items():
        if field in form.fields and form.has_error(field):
            continue  # the form already says what is wrong with it
        form.add_error(field if field in form.fields else None, errors)


@login_required
def footage_list(request: HttpRequest) -> HttpResponse:
    _require_footage_role(request)
    status = request.GET.get("status") or None
    if status not in FootageRequest.Status.values:
        status = None
    try:
        page = footage_selectors.footage_requests_page(request.user, status=status, after=request.GET.get("after"))
    except (ValueError, OverflowError):
        return HttpResponseBadRequest(_("after: not a position in this list; start again from the first page."))
    describe_objects(request, page.items, object_type="footagerequest")
    return render(
        request,
        "sightings/footage_list.html",
        {
            "requests": page.items,
            "next_page": page.next_cursor,
            "past_first_page": "after" in request.GET,
            "status": status,
            "statuses": FootageRequest.Status.choices,
        },
    )


@login_required
def footage_new(request: HttpRequest) -> HttpResponse:
    if not permissions.footage_may_start(request.user):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    sighting, camera = requested_subject(request.user, source, may_request=permissions.footage_may_request)

    if request.method == "POST":
        form = FootageRequestForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            camera = camera_checked(form, camera, sighting)
        if form.is_valid():
            try:
                footage_request = footage_services.footage_request_create(
                    requested_by=request.user,
                    order=data["order"],
                    sighting=sighting,
                    camera=None if sighting else camera,
                    window_start=data.get("window_start"),
                    window_end=data.get("window_end"),
                    purpose=data["purpose"],
                    legal_basis=data.get("legal_basis") or "",
                    case_number=data.get("case_number") or "",
                    urgent=data["urgent"],
                )
            except DjangoValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, _("Footage requested from %(municipality)s.") % {"municipality": camera.municipality}
                )
                describe_object(request, footage_request)
                describe(request, action="create")
                return redirect("sightings:footage-detail", request_id=footage_request.pk)
    else:
        initial: dict[str, Any] = {}
        if sighting is not None:
            # Everything the hit already says: its order and case, its camera and the minutes around it.
            initial = {
                "order": sighting.order_id,
                "sighting": sighting.pk,
                "case_number": sighting.order.case_number,
                "window_start": sighting.seen_at - footage_services.SIGHTING_WINDOW,
                "window_end": sighting.seen_at + footage_services.SIGHTING_WINDOW,
                "urgent": sighting.order.priority == WantedOrder.Priority.URGENT,
            }
        elif camera is not None:
            initial = {"camera": camera.pk}
        if request.GET.get("order"):
            initial["order"] = uuid_or_none(request.GET["order"])
        form = FootageRequestForm(initial=initial, user=request.user)
    # A POST that gets here was refused: 400, like every other form and API answer to bad input.
    existing = (
        footage_selectors.footage_requests_by_sighting(request.user, [sighting.pk]).get(sighting.pk)
        if sighting is not None
        else None
    )
    return render(
        request,
        "sightings/footage_new.html",
        {"form": form, "sighting": sighting, "camera": camera, "existing": existing},
        status=400 if request.method == "POST" else 200,
    )


def _detail(request: HttpRequest, footage_request: FootageRequest) -> HttpResponse:
    may_download = permissions.footage_may_download(request.user, footage_request)
    if may_download:
        # The list of files the officer may take is itself a look at the footage.
        footage_services.footage_access_log(
            user=request.user, request_id=footage_request.pk, action="footage.list", allowed=True, http_request=request
        )
    return render(
        request,
        "sightings/footage_detail.html",
        {
            "footage_request": footage_request,
            "files": list(footage_request.files.all()),
            "may_decide": footage_request.is_pending and permissions.footage_may_decide(request.user, footage_request),
            "may_download": may_download,
            "is_requester": footage_request.requested_by_id == request.user.pk,
            "approve_form": ApproveForm(),
            "deny_form": DenyForm(),
            "upload_accept": ",".join(footage_services.ALLOWED_EXTENSIONS),
            "upload_types": ", ".join(footage_services.ALLOWED_EXTENSIONS),
            "upload_max_mb": settings.FOOTAGE_MAX_FILE_BYTES // (1024 * 1024),
            "upload_max_files": settings.FOOTAGE_MAX_FILES,
        },
    )


@login_required
def footage_detail(request: HttpRequest, request_id: Any) -> HttpResponse:
    return _detail(request, _visible_or_404(request, request_id))


def _back_to_request(request_id: Any) -> HttpResponseRedirect:
    # 303 See Other: the browser GETs the request's own page, so a reload never sends the decision again and
    # the page's live refresh reads the request's URL, not the form's.
    response = HttpResponseRedirect(reverse("sightings:footage-detail", kwargs={"request_id": request_id}))
    response.status_code = 303
    return response


def _decide(request: HttpRequest, request_id: Any, decide: Any) -> HttpResponse:
    footage_request = _visible_or_404(request, request_id)
    try:  # the service decides who may decide (FootageForbidden, 403) before it reads the form
        decide(footage_request)
    except DjangoValidationError as exc:
        # Said on the request's page, after the redirect; the form there is offered again while it is pending.
        for errors in exc.message_dict.values():
            messages.error(request, " ".join(errors))
    except footage_services.FootageConflict as exc:
        messages.error(request, str(exc))
    except footage_services.FootageForbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    return _back_to_request(request_id)


@login_required
@require_POST
def footage_approve(request: HttpRequest, request_id: Any) -> HttpResponse:
    form = ApproveForm(request.POST)
    form.is_valid()
    uploads = request.FILES.getlist("files")

    def approve(footage_request: FootageRequest) -> None:
        footage_services.footage_request_approve(
            footage_request=footage_request,
            approved_by=request.user,
            uploads=uploads,
            attach_sighting_photos=form.cleaned_data.get("attach_sighting_photos", False),
        )
        messages.success(request, _("Approved. The officer has access to the footage; the ledger entry is written."))

    return _decide(request, request_id, approve)


@login_required
@require_POST
def footage_deny(request: HttpRequest, request_id: Any) -> HttpResponse:
    form = DenyForm(request.POST)

    def deny(footage_request: FootageRequest) -> None:
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        footage_services.footage_request_deny(footage_request=footage_request, denied_by=request.user, reason=reason)
        messages.success(request, _("Denied. The officer has been told the reason."))

    return _decide(request, request_id, deny)
