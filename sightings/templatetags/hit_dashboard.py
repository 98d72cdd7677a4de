"""The live dashboards' first paint: latest hits, trails and cameras, handed to static/js/dashboard.js."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from accounts.models import User
from audit.purposes import CRIME_CATEGORIES
from sightings import permissions
from sightings.hits import selectors as hit_selectors
from sightings.models import AssignmentStatus
from wassweb.access_note import describe

register = template.Library()


def dashboard_strings() -> dict[str, str]:
    """Every text the dashboard script shows, translated here so the script carries none."""
    return {
        "live": _("Live"),
        "connecting": _("Connecting…"),
        "reconnecting": _("Connection lost, reconnecting…"),
        "refused": _("Live alerts are not available for this account."),
        "no_hits": _("No hits yet. New hits appear here at once, with a sound."),
        "misread_banner": _("Possible misread — verify before action"),
        "urgent": _("Urgent"),
        "high": _("High"),
        "normal": _("Normal"),
        "exact": _("Exact"),
        "pattern": _("Partial plate"),
        "misread": _("Possible misread"),
        "unverified": _("Not verified"),
        "confirmed": _("Confirmed"),
        "marked_misread": _("Misread"),
        "read": _("Read"),
        "wanted": _("Wanted"),
        "camera": _("Camera"),
        "seen_at": _("Seen at"),
        "case": _("Case"),
        "score": _("Match score"),
        "confidence": _("Read confidence"),
        "verified_by": _("Verified by"),
        "acknowledged_by": _("Acknowledged by"),
        "dispatched": _("Unit on it"),
        "confirm": _("Confirm: it is the vehicle"),
        "mark_misread": _("Misread"),
        "acknowledge": _("Acknowledge"),
        "dispatch": _("Dispatch"),
        "unit_placeholder": _("Patrol unit, e.g. 은평12"),
        "no_photo": _("No plate photo was sent with this read."),
        "plate_photo": _("Plate photo"),
        "select_hit": _("Select a hit to see the photo and the plates side by side."),
        "failed": _("The action failed:"),
        "sound_on": _("Sound on"),
        "sound_off": _("Sound off"),
        "retrospective": _("Found in the look-back buffer"),
        "camera_active": _("In service"),
        "camera_inactive": _("Out of service"),
        "reading_on": _("On"),
        "reading_off": _("Off"),
        "footage": _("Footage"),
        "request_footage": _("Request footage"),
        "live_view": _("Live view"),
        "footage_pending": _("Waiting for a decision"),
        "footage_approved": _("Approved"),
        "footage_denied": _("Denied"),
        "footage_checking": _("Checking for a footage request…"),
        "footage_other_agency": _("Only the issuing agency may request footage."),
        "nearest_units": _("Nearest available units"),
        "units_loading": _("Looking for units nearby…"),
        "no_units_near": _("No available unit with a known position nearby. Type a call sign below."),
        "ahead": _("ahead"),
        "unit_report": _("Unit's report"),
        **{f"report_{value}": str(label) for value, label in AssignmentStatus.choices},
    }


@register.simple_tag(takes_context=True)
def hit_dashboard_data(context: dict[str, Any]) -> dict[str, Any]:
    """Latest hits (the same payloads the socket sends), each order's trail, an operator's cameras."""
    user = context["request"].user
    hits = hit_selectors.dashboard_hits(user=user)
    describe(context["request"], action="dashboard", object_type="sighting", shown=len(hits))
    order_ids = sorted({hit["order"] for hit in hits})
    return {
        "role": user.role,
        "may_act": permissions.sighting_may_act(user),
        "agency": str(user.agency_id) if user.agency_id else None,
        "agency_code": user.agency.code if user.agency_id else None,
        "hits": hits,
        "trails": hit_selectors.dashboard_trails(user=user, order_ids=order_ids),
        "cameras": hit_selectors.dashboard_cameras(user=user) if user.role == User.Role.OPERATOR else [],
        "strings": dashboard_strings(),
        # Hits are announced once for everyone, so the page names crimes in its reader's own language.
        "crimes": {slug: str(category.label) for slug, category in CRIME_CATEGORIES.items()},
    }
