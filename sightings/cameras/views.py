"""The centre operator's camera pages: the municipality's cameras, and adding, renaming, moving, switching plate
reading and retiring one. Each change is one request, so the access log records each (action camera.*)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sightings import permissions
from sightings.cameras import selectors as camera_selectors
from sightings.cameras import services as camera_services
from sightings.models import Camera, Municipality
from wassweb.access_note import describe, describe_object, describe_objects

COORDINATE = {"step": "0.000001"}


class CameraPlaceForm(forms.Form):
    name = forms.CharField(max_length=120, label=gettext_lazy("Name"), help_text=gettext_lazy("e.g. 통일로 3번 교차로"))
    kind = forms.ChoiceField(choices=Camera.Kind.choices, label=gettext_lazy("Kind"))
    lat = forms.FloatField(label=gettext_lazy("Latitude"), widget=forms.NumberInput(attrs=COORDINATE))
    lon = forms.FloatField(label=gettext_lazy("Longitude"), widget=forms.NumberInput(attrs=COORDINATE))


class CameraAddForm(CameraPlaceForm):
    code = forms.CharField(
        max_length=40,
        label=gettext_lazy("Code"),
        help_text=gettext_lazy("As your integration sends it with each read, e.g. 11380-C009."),
    )
    reads_plates = forms.BooleanField(required=False, initial=True, label=gettext_lazy("Reads plates"))

    field_order = ["code", "name", "kind", "lat", "lon", "reads_plates"]


class ReadingForm(forms.Form):
    reads_plates = forms.TypedChoiceField(choices=[("on", "on"), ("off", "off")], coerce=lambda value: value == "on")


class RetireForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand: the camera stops for good; its sightings and requests are kept.")
    )


def _municipality_or_404(request: HttpRequest, code: str) -> Municipality:
    municipality = get_object_or_404(Municipality.objects.select_related("province"), code=code)
    if not permissions.cameras_may_manage(request.user, municipality):
        # Another centre's cameras are none of this person's business: the same answer as a missing one.
        raise Http404
    return municipality


def _camera_or_404(request: HttpRequest, camera_id: Any) -> Camera:
    camera = camera_selectors.camera_of(getattr(request.user, "municipality_id", None), camera_id)
    if camera is None or not permissions.cameras_may_manage(request.user, camera.municipality):
        raise Http404
    describe_object(request, camera)
    return camera


def _add_errors(form: forms.Form, exc: DjangoValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _to_list(municipality: Municipality) -> HttpResponseRedirect:
    # 303: a reload of the list after a change never sends the change again.
    response = HttpResponseRedirect(reverse("sightings:camera-list", kwargs={"code": municipality.code}))
    response.status_code = 303
    return response


def _list_page(
    request: HttpRequest, municipality: Municipality, *, form: CameraAddForm | None = None, status: int = 200
) -> HttpResponse:
    cameras = list(camera_selectors.cameras_of(municipality))
    describe_objects(request, cameras, object_type="camera", filters={"municipality": municipality.code})
    return render(
        request,
        "sightings/cameras/list.html",
        {
            "municipality": municipality,
            "cameras": cameras,
            "in_service": sum(camera.active for camera in cameras),
            "form": form or CameraAddForm(initial={"lat": municipality.lat, "lon": municipality.lon}),
            "map_data": _map_data(municipality, cameras),
        },
        status=status,
    )


def _map_data(municipality: Municipality, cameras: list[Camera], *, selected: Camera | None = None) -> dict:
    return {
        "basemap": static("geo/korea-municipalities.geojson"),
        "places": static("geo/emd/"),
        "municipality": municipality.code,
        "centre": [municipality.lat, municipality.lon],
        "selected": str(selected.pk) if selected else None,
        "cameras": [
            {
                "id": str(camera.pk),
                "code": camera.code,
                "name": camera.name,
                "lat": camera.lat,
                "lon": camera.lon,
                "active": camera.active,
                "reads_plates": camera.reads_plates,
            }
            for camera in cameras
        ],
    }


@login_required
def camera_list(request: HttpRequest, code: str) -> HttpResponse:
    municipality = _municipality_or_404(request, code)
    if request.method != "POST":
        return _list_page(request, municipality)
    form = CameraAddForm(request.POST)
    if form.is_valid():
        try:
            camera = camera_services.camera_create(municipality=municipality, **form.cleaned_data)
        except DjangoValidationError as exc:
            _add_errors(form, exc)
        else:
            describe(request, action="camera.add", object_type="camera", object_id=camera.pk, shown=1)
            messages.success(
                request, _("Camera %(code)s added; its reads are accepted from now on.") % {"code": camera.code}
            )
            return _to_list(municipality)
    return _list_page(request, municipality, form=form, status=400)


@login_required
def camera_edit(request: HttpRequest, camera_id: Any) -> HttpResponse:
    camera = _camera_or_404(request, camera_id)
    initial = {"name": camera.name, "kind": camera.kind, "lat": camera.lat, "lon": camera.lon}
    form = CameraPlaceForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        describe(request, action="camera.edit")
        status = 400
        if form.is_valid():
            try:
                camera_services.camera_update(camera=camera, **form.cleaned_data)
            except DjangoValidationError as exc:
                _add_errors(form, exc)
            except camera_services.CameraRetired as exc:
                messages.error(request, str(exc))
                return _to_list(camera.municipality)
            else:
                messages.success(request, _("Camera %(code)s saved.") % {"code": camera.code})
                return _to_list(camera.municipality)
    return render(
        request,
        "sightings/cameras/edit.html",
        {
            "camera": camera,
            "form": form,
            "retire_form": RetireForm(),
            "map_data": _map_data(camera.municipality, [camera], selected=camera),
        },
        status=status,
    )


@login_required
@require_POST
def camera_reading(request: HttpRequest, camera_id: Any) -> HttpResponse:
    camera = _camera_or_404(request, camera_id)
    describe(request, action="camera.reading")
    form = ReadingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say whether the camera reads plates (on or off)."))
        return _list_page(request, camera.municipality, status=400)
    try:
        camera_services.camera_reading_set(camera=camera, reads_plates=form.cleaned_data["reads_plates"])
    except camera_services.CameraRetired as exc:
        messages.error(request, str(exc))
    else:
        if form.cleaned_data["reads_plates"]:
            messages.success(request, _("Camera %(code)s reads plates again.") % {"code": camera.code})
        else:
            messages.success(
                request, _("Plate reading of camera %(code)s is off; its reads are refused.") % {"code": camera.code}
            )
    return _to_list(camera.municipality)


@login_required
@require_POST
def camera_retire(request: HttpRequest, camera_id: Any) -> HttpResponse:
    camera = _camera_or_404(request, camera_id)
    describe(request, action="camera.retire")
    form = RetireForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm that the camera is retired for good."))
        edit_url = reverse("sightings:camera-edit", kwargs={"camera_id": camera.pk})
        response = HttpResponseRedirect(edit_url)
        response.status_code = 303
        return response
    try:
        camera_services.camera_retire(camera=camera)
    except camera_services.CameraRetired as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Camera %(code)s retired. Its sightings and footage requests are kept.") % {"code": camera.code}
        )
    return _to_list(camera.municipality)
