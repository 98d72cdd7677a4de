"""HTML pages for live views: the officer's request form, the decision and player page, and the end button."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sightings import permissions
from sightings.centre_requests import camera_checked, requested_subject, uuid_or_none
from sightings.live_views import selectors as live_selectors
from sightings.live_views import services as live_services
from sightings.models import LiveView, Municipality, PatrolUnit, WantedOrder
from wassweb.access_note import describe, describe_object


class LiveViewRequestForm(forms.Form):
    order = forms.ModelChoiceField(queryset=WantedOrder.objects.none(), label=gettext_lazy("Urgent wanted order"))
    municipality = forms.ModelChoiceField(
        queryset=Municipality.objects.select_related("province"),
        required=False,
        label=gettext_lazy("Municipality of the camera"),
    )
    camera_code = forms.CharField(required=False, max_length=40, label=gettext_lazy("Camera code"))
    reason = forms.CharField(
        max_length=2000, label=gettext_lazy("Why the live picture is needed"), widget=forms.Textarea(attrs={"rows": 3})
    )
    unit = forms.ModelChoiceField(
        queryset=PatrolUnit.objects.none(),
        required=False,
        to_field_name="call_sign",
        label=gettext_lazy("Patrol unit whose terminal also gets the player"),
        empty_label=gettext_lazy("None"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = WantedOrder.objects.active().filter(
            agency_id=user.agency_id, priority=WantedOrder.Priority.URGENT
        )
        self.fields["unit"].queryset = PatrolUnit.objects.filter(agency_id=user.agency_id)


class ApproveForm(forms.Form):
    minutes = forms.IntegerField(min_value=1, label=gettext_lazy("Minutes"))


class DenyForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, label=gettext_lazy("Reason for the denial"), widget=forms.Textarea(attrs={"rows": 3})
    )


def _require_role(request: HttpRequest) -> None:
    if not permissions.live_view_may_use(request.user):
        raise PermissionDenied


def _visible_or_404(request: HttpRequest, view_id: Any) -> LiveView:
    _require_role(request)
    live_view = live_selectors.live_view_get(request.user, view_id)
    if live_view is None:
        raise Http404
    describe_object(request, live_view)
    return live_view


@login_required
def live_view_new(request: HttpRequest) -> HttpResponse:
    if not permissions.live_view_may_start(request.user):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    sighting, camera = requested_subject(request.user, source, may_request=permissions.live_view_may_request)

    if request.method == "POST":
        form = LiveViewRequestForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            camera = camera_checked(form, camera, sighting)
        if form.is_valid():
            try:
                live_view = live_services.live_view_request(
                    requested_by=request.user,
                    order=data["order"],
                    camera=camera,
                    reason=data["reason"],
                    sighting=sighting,
                    unit=data.get("unit"),
                )
            except DjangoValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request, _("Live view requested from %(municipality)s.") % {"municipality": camera.municipality}
                )
                describe_object(request, live_view)
                describe(request, action="create")
                return redirect("sightings:live-view-detail", view_id=live_view.pk)
    else:
        initial: dict[str, Any] = {}
        if sighting is not None:
            initial = {"order": sighting.order_id}
        elif request.GET.get("order"):
            initial = {"order": uuid_or_none(request.GET["order"])}
        form = LiveViewRequestForm(initial=initial, user=request.user)
    return render(
        request,
        "sightings/live_views/new.html",
        {"form": form, "sighting": sighting, "camera": camera},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def live_view_detail(request: HttpRequest, view_id: Any) -> HttpResponse:
    live_view = _visible_or_404(request, view_id)
    now = timezone.now()
    may_decide = live_view.is_requested and permissions.live_view_may_decide(request.user, live_view)
    running = live_view.is_running(now)
    is_viewer = permissions.live_view_is_viewer(request.user, live_view)
    allowed = live_services.live_view_allowed_minutes(live_view.order, now=now) if may_decide else 0
    context = {
        "live_view": live_view,
        "may_decide": may_decide,
        "allowed_minutes": allowed,
        "approve_form": ApproveForm(
            initial={"minutes": live_services.live_view_default_minutes(live_view.order, now=now)}
        ),
        "deny_form": DenyForm(),
        "running": running,
        "is_viewer": is_viewer,
        "player": running and is_viewer,
        "may_end": (running or (live_view.is_requested and live_view.requested_by_id == request.user.pk))
        and permissions.live_view_end_refusal(request.user, live_view) is None,
        "viewers": live_selectors.live_view_viewers(live_view),
        "seconds_left": int((live_view.approved_until - now).total_seconds()) if running else 0,
    }
    response = render(request, "sightings/live_views/detail.html", context)
    if is_viewer:
        # The player fetches the playlist and segments from the centre's own video server: allowed for this page only
        # (also while waiting: the decision arrives live and the player starts without reloading the page).
        origin = live_selectors.live_video_server_origin(live_view.municipality_id)
        if origin is not None:
            response._csp_update = {"connect-src": [origin], "media-src": [origin]}
    return response


def _back(view_id: Any) -> HttpResponseRedirect:
    # 303 See Other: the browser GETs the live view's own page, so a reload never sends the decision again.
    response = HttpResponseRedirect(reverse("sightings:live-view-detail", kwargs={"view_id": view_id}))
    response.status_code = 303
    return response


def _act(request: HttpRequest, view_id: Any, act: Any) -> HttpResponse:
    live_view = _visible_or_404(request, view_id)
    try:
        act(live_view)
    except DjangoValidationError as exc:
        for errors in exc.message_dict.values():
            messages.error(request, " ".join(errors))
    except (live_services.LiveViewConflict, live_services.LiveViewGone) as exc:
        messages.error(request, str(exc))
    except live_services.LiveViewForbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    return _back(view_id)


@login_required
@require_POST
def live_view_approve(request: HttpRequest, view_id: Any) -> HttpResponse:
    form = ApproveForm(request.POST)

    def approve(live_view: LiveView) -> None:
        refusal = permissions.live_view_decide_refusal(request.user, live_view)
        if refusal:
            raise live_services.LiveViewForbidden(refusal)
        if not form.is_valid():
            raise DjangoValidationError({"minutes": _("Give the number of minutes to allow.")})
        live_services.live_view_approve(
            live_view=live_view, approved_by=request.user, minutes=form.cleaned_data["minutes"]
        )
        messages.success(request, _("Approved. The officer's player starts now; the ledger entry is written."))

    return _act(request, view_id, approve)


@login_required
@require_POST
def live_view_deny(request: HttpRequest, view_id: Any) -> HttpResponse:
    form = DenyForm(request.POST)

    def deny(live_view: LiveView) -> None:
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        live_services.live_view_deny(live_view=live_view, denied_by=request.user, reason=reason)
        messages.success(request, _("Denied. The officer has been told the reason."))

    return _act(request, view_id, deny)


@login_required
@require_POST
def live_view_end(request: HttpRequest, view_id: Any) -> HttpResponse:
    def end(live_view: LiveView) -> None:
        live_services.live_view_end(live_view=live_view, ended_by=request.user)
        messages.success(request, _("The live view has ended."))

    return _act(request, view_id, end)
