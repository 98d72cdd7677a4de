"""The patrol unit's terminal page: made for a phone in a moving car, driven by its unit key (docs/UNITS.md)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from sightings.live_views import selectors as live_view_selectors
from sightings.models import AssignmentStatus, PatrolUnit


def terminal_strings() -> dict[str, str]:
    """Every text the terminal's script shows, translated here so the script carries none."""
    return {
        "connecting": _("Connecting…"),
        "live": _("Live"),
        "reconnecting": _("Connection lost, reconnecting…"),
        "refused": _("The key was refused: it is revoked, expired or not a unit key."),
        "no_assignment": _("No assignment. A dispatch appears here at once."),
        "new_assignment": _("New assignment"),
        "seen": _("Seen"),
        "ago": _("{minutes} min ago"),
        "just_now": _("just now"),
        "camera": _("Camera"),
        "read_as": _("Read as"),
        "next_cameras": _("Likely next cameras"),
        "ahead": _("ahead"),
        "dispatched_by": _("Sent by"),
        "tap_again": _("Tap again to confirm"),
        "failed": _("Not sent:"),
        "position_off": _("Position: not shared (no location on this device)"),
        "position_on": _("Position shared"),
        "no_photo": _("No photo"),
        "plate_photo": _("Plate photo"),
        "vehicle_photo": _("Vehicle photo"),
        "urgent": _("Urgent"),
        "misread": _("Possible misread — verify before action"),
        "live_connecting": _("Connecting to the centre's video server…"),
        "live_ended": _("The live view has ended."),
        "live_unsupported": _("This browser cannot play the stream."),
        "live_failed": _("The picture could not be loaded from the centre. It is tried again."),
        **{f"status_{value}": str(label) for value, label in PatrolUnit.Status.choices},
        **{f"report_{value}": str(label) for value, label in AssignmentStatus.choices},
    }


def unit_terminal(request: HttpRequest) -> HttpResponse:
    """The page itself shows nothing about anyone: what it shows comes with the unit key, over the API and socket."""
    response = render(
        request,
        "sightings/units/terminal.html",
        {
            "terminal": {
                "strings": terminal_strings(),
                "api": reverse("units"),
                "ws_path": "/ws/units/",
                "min_interval": settings.UNIT_POSITION_MIN_INTERVAL_SECONDS,
            }
        },
    )
    # The player of a live view naming the unit fetches from the camera's centre. The page is served before the key
    # is known, and a unit may be named on a live view of any centre's camera: every configured centre video server
    # is allowed, for this page alone. A video server answers only signed addresses (docs/LIVE_VIEW.md).
    origins = live_view_selectors.live_video_origins()
    if origins:
        response._csp_update = {"connect-src": origins, "media-src": origins}
    return response
