"""What an officer's request to a centre (footage, a live view) is about: a hit, or a camera named by the officer.

The two request forms take the same `?sighting=` or `?camera=` from the page that opened them, and the same
municipality and camera code when neither was given; one place reads them, so both refuse alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from sightings.models import Camera, Sighting, WantedOrder


def uuid_or_none(value: str) -> Any:
    try:
        return forms.UUIDField().clean(value)
    except ValidationError:
        return None


def requested_subject(
    user: Any, source: Mapping[str, str], *, may_request: Callable[[Any, WantedOrder], bool]
) -> tuple[Sighting | None, Camera | None]:
    """The hit (and its camera) or the camera the form was opened for; 404 for one the person may not ask about."""
    if source.get("sighting"):
        sighting = (
            Sighting.objects.select_related("order", "camera__municipality")
            .filter(pk=uuid_or_none(source["sighting"]))
            .first()
        )
        if sighting is None or not may_request(user, sighting.order):
            raise Http404
        return sighting, sighting.camera
    if source.get("camera"):
        camera = Camera.objects.select_related("municipality").filter(pk=uuid_or_none(source["camera"])).first()
        if camera is None:
            raise Http404
        return None, camera
    return None, None


def camera_checked(form: forms.Form, camera: Camera | None, sighting: Sighting | None) -> Camera | None:
    """The camera of a valid request form: the one given, or found by the form's municipality and code; the
    form's errors say what is missing or does not fit the hit."""
    data = form.cleaned_data
    if camera is None and data.get("municipality") and data.get("camera_code"):
        camera = Camera.objects.filter(municipality=data["municipality"], code=data["camera_code"].strip()).first()
        if camera is None:
            form.add_error("camera_code", _("No camera with this code in that municipality."))
    elif camera is None:
        form.add_error("camera_code", _("Name the camera by its municipality and code."))
    if sighting is not None and data["order"].pk != sighting.order_id:
        form.add_error("order", _("The sighting belongs to another wanted order."))
    return camera
