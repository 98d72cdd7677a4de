"""Who may do what with the sightings app's objects. Views and APIs ask here; they never decide themselves.

Every django-guardian call of the app is kept in this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import assign_perm, remove_perm
from rest_framework.permissions import BasePermission

from accounts.models import User

if TYPE_CHECKING:
    from sightings.models import FootageRequest, LiveView, Sighting, WantedOrder

# ---------------------------------------------------------------------------------------------------------
# Footage requests
# ---------------------------------------------------------------------------------------------------------

FOOTAGE_DOWNLOAD_PERM = "sightings.download_footage"


def footage_may_request(user: Any, order: WantedOrder) -> bool:
    """Officers ask for footage about their own agency's orders: the case and its legal basis are theirs."""
    return bool(user.is_active and user.is_officer and user.agency_id and order.agency_id == user.agency_id)


def footage_may_start(user: Any) -> bool:
    """Only police officers open footage requests (which order they may ask about is footage_may_request)."""
    return bool(user.is_authenticated and user.is_active and user.is_officer)


def footage_may_use(user: Any) -> bool:
    """Only officers and centre operators work with footage requests; auditors and admins see the ledger."""
    return bool(user.is_authenticated and user.is_active and (user.is_officer or user.is_operator))


def footage_requests_visible(user: Any, queryset: QuerySet[FootageRequest]) -> QuerySet[FootageRequest]:
    """Officers see their agency's requests, operators those addressed to their municipality."""
    if not footage_may_use(user):
        return queryset.none()
    if user.is_officer:
        return queryset.filter(agency_id=user.agency_id)
    return queryset.filter(municipality_id=user.municipality_id)


def footage_decide_refusal(user: Any, footage_request: FootageRequest) -> str | None:
    """Why this person may not approve or deny the request, or None when they may.

    Only operators of the camera's municipality decide, and never the person who asked nor anyone of the
    requesting agency (separation of duties).
    """
    if not (user.is_active and user.is_operator):
        return "Only operators of the camera's municipality decide footage requests."
    if footage_request.municipality_id != user.municipality_id:
        return "This request is addressed to another municipality."
    if footage_request.requested_by_id == user.pk:
        return "The person who requested footage cannot decide the request."
    if user.agency_id is not None and user.agency_id == footage_request.agency_id:
        return "Nobody of the requesting agency may decide the request."
    return None


def footage_may_decide(user: Any, footage_request: FootageRequest) -> bool:
    return footage_decide_refusal(user, footage_request) is None


def footage_grant_access(footage_request: FootageRequest) -> None:
    """Gives the requesting officer the object permission to view and download the approved footage."""
    assign_perm(FOOTAGE_DOWNLOAD_PERM, footage_request.requested_by, footage_request)


def footage_revoke_access(footage_request: FootageRequest) -> None:
    remove_perm(FOOTAGE_DOWNLOAD_PERM, footage_request.requested_by, footage_request)


def footage_has_grant(user: Any, footage_request: FootageRequest) -> bool:
    """Whether the person holds the download permission on this request (the grant, not the clock)."""
    if not user.is_authenticated or user.is_superuser:
        # Administrators hold every permission in Django, but footage leaves only to the requester.
        return False
    return ObjectPermissionChecker(user).has_perm(FOOTAGE_DOWNLOAD_PERM.split(".", 1)[1], footage_request)


def footage_may_download(user: Any, footage_request: FootageRequest) -> bool:
    """The requesting officer, holding the grant, while the access period runs and the files exist."""
    return (
        user.is_active
        and footage_request.requested_by_id == user.pk
        and footage_request.access_open()
        and footage_has_grant(user, footage_request)
    )


# ---------------------------------------------------------------------------------------------------------
# Live views: the footage rules, for a live picture of one camera during an urgent order
# ---------------------------------------------------------------------------------------------------------


def live_view_may_start(user: Any) -> bool:
    """Only police officers ask for a live view (which order they may ask about is live_view_may_request)."""
    return footage_may_start(user)


def live_view_may_request(user: Any, order: WantedOrder) -> bool:
    """Officers of the order's agency, as for footage; the order must also be active and urgent (the service)."""
    return footage_may_request(user, order)


def live_view_may_use(user: Any) -> bool:
    """Officers and centre operators; auditors and administrators see the ledger, never a live picture."""
    return footage_may_use(user)


def live_views_visible(user: Any, queryset: QuerySet[LiveView]) -> QuerySet[LiveView]:
    """Officers see their agency's live views, operators those addressed to their municipality."""
    if not live_view_may_use(user):
        return queryset.none()
    if user.is_officer:
        return queryset.filter(agency_id=user.agency_id)
    return queryset.filter(municipality_id=user.municipality_id)


def live_view_decide_refusal(user: Any, live_view: LiveView) -> str | None:
    """Why this person may not approve or deny the live view, or None when they may.

    Operators of the camera's municipality only, never the requester nor anyone of the requesting agency.
    """
    if not (user.is_active and user.is_operator):
        return "Only operators of the camera's municipality decide live-view requests."
    if live_view.municipality_id != user.municipality_id:
        return "This request is addressed to another municipality."
    if live_view.requested_by_id == user.pk:
        return "The person who asked for the live view cannot decide the request."
    if user.agency_id is not None and user.agency_id == live_view.agency_id:
        return "Nobody of the requesting agency may decide the request."
    return None


def live_view_may_decide(user: Any, live_view: LiveView) -> bool:
    return live_view_decide_refusal(user, live_view) is None


def live_view_is_viewer(user: Any, live_view: LiveView, *, api_key: Any = None) -> bool:
    """The requesting officer, or the named unit's in-car terminal (its unit key): who gets the player."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    if api_key is not None and getattr(api_key, "unit_id", None) is not None:
        return live_view.unit_id is not None and api_key.unit_id == live_view.unit_id
    return user.is_officer and live_view.requested_by_id == user.pk


def live_view_end_refusal(user: Any, live_view: LiveView, *, api_key: Any = None) -> str | None:
    """Either side may end a session early: the requesting officer, or an operator of the camera's centre."""
    if live_view_is_viewer(user, live_view, api_key=api_key) and api_key is None:
        return None
    if user.is_active and user.is_operator and user.municipality_id == live_view.municipality_id:
        return None
    return "Only the requesting officer or the camera's centre may end this live view."


# ---------------------------------------------------------------------------------------------------------
# Sightings (hits) and live alerts
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertAccess:
    """What a live-alert socket may receive, taken from the person when it connects and re-taken while open."""

    user_id: int
    role: str
    municipality_code: str | None


def alert_access_for(user: Any) -> AlertAccess | None:
    """Officers get the national feed, operators their municipality's; anyone else (auditors too) nothing."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.role == User.Role.OFFICER and user.agency_id:
        return AlertAccess(user_id=user.pk, role=User.Role.OFFICER, municipality_code=None)
    if user.role == User.Role.OPERATOR and user.municipality_id:
        return AlertAccess(user_id=user.pk, role=User.Role.OPERATOR, municipality_code=user.municipality.code)
    return None


def alert_may_receive(access: AlertAccess | None, *, municipality: str, order_active: bool) -> bool:
    """Checked for every live event: officers only while the order is active, operators only their own area."""
    if access is None:
        return False
    if access.role == User.Role.OFFICER:
        return order_active
    return access.role == User.Role.OPERATOR and municipality == access.municipality_code


def _of_active_order() -> Q:
    from sightings.models import WantedOrderQuerySet

    return WantedOrderQuerySet.active_q("order__")


def alerts_visible(user: Any, queryset: QuerySet[Sighting]) -> QuerySet[Sighting]:
    """The hits a person's live feed carries, also when replayed: the rule of alert_may_receive, in SQL."""
    access = alert_access_for(user)
    if access is None:
        return queryset.none()
    if access.role == User.Role.OFFICER:
        return queryset.filter(_of_active_order())
    return queryset.filter(camera__municipality_id=user.municipality_id)


def sightings_visible(user: Any, queryset: QuerySet[Sighting]) -> QuerySet[Sighting]:
    """Officers: hits of every active order (national search) and every hit of their own agency's orders,
    closed ones included, for the case file. Operators: hits of their municipality's cameras."""
    access = alert_access_for(user)
    if access is None:
        return queryset.none()
    if access.role == User.Role.OFFICER:
        return queryset.filter(_of_active_order() | Q(order__agency_id=user.agency_id))
    return queryset.filter(camera__municipality_id=user.municipality_id)


def sightings_may_list(user: Any) -> bool:
    return alert_access_for(user) is not None


def sighting_may_act(user: Any) -> bool:
    """Verifying, acknowledging and dispatching are police decisions: officers only, on hits they can see.

    Centre operators watch their hits and follow the vehicle on their cameras but do not acknowledge for the
    police: the acknowledgement tells every dashboard that a 112 room has taken the hit.
    """
    access = alert_access_for(user)
    return access is not None and access.role == User.Role.OFFICER


# ---------------------------------------------------------------------------------------------------------
# Wanted orders
#
# Search is national: every officer may list and view every order (a car leaving one agency's area is
# followed by the next). Only officers of the issuing agency change an order. An officer of another agency
# is told 403 (they can see the order, so hiding it would be pointless); other roles get 403 on the whole
# orders API and pages, since orders are not part of their work at all.
# ---------------------------------------------------------------------------------------------------------


def orders_may_use(user: Any) -> bool:
    """Officers list, view and issue orders; operators, auditors and admins do not."""
    return bool(user.is_authenticated and user.is_active and user.is_officer and user.agency_id)


def order_may_view(user: Any, order: WantedOrder) -> bool:
    return orders_may_use(user)


def order_may_change(user: Any, order: WantedOrder) -> bool:
    """Renew, cancel or resolve: officers of the issuing agency only."""
    return orders_may_use(user) and order.agency_id == user.agency_id


# ---------------------------------------------------------------------------------------------------------
# Look-back buffer settings: the municipality's own operators switch it on or off.
# ---------------------------------------------------------------------------------------------------------


def operator_of(user: Any, municipality: Any) -> bool:
    """An active operator of this municipality's centre: who runs its settings and its cameras."""
    return bool(
        user.is_authenticated and user.is_active and user.is_operator and user.municipality_id == municipality.pk
    )


def lookback_may_configure(user: Any, municipality: Any) -> bool:
    return operator_of(user, municipality)


# ---------------------------------------------------------------------------------------------------------
# Cameras: the municipality's own operators manage them; to anyone else another centre's cameras are not there.
# ---------------------------------------------------------------------------------------------------------


def cameras_may_manage(user: Any, municipality: Any) -> bool:
    return operator_of(user, municipality)


# ---------------------------------------------------------------------------------------------------------
# Plate reads: a municipality's integration key submits reads from that municipality's cameras only.
# ---------------------------------------------------------------------------------------------------------


def reads_may_submit(api_key: Any) -> bool:
    """Only an integration key (scope reads, owned by a municipality) may submit plate reads."""
    return bool(api_key is not None and api_key.scope == "reads" and api_key.municipality_id is not None)


def reads_cameras(api_key: Any, codes: Any = None) -> QuerySet:
    """The cameras, among those codes (all without them), that the key's municipality runs and that read plates now.

    Without a key (None): every municipality's cameras that read plates now, for the reads API's per-process copy.
    """
    from sightings.models import Camera

    cameras = Camera.objects.filter(active=True, reads_plates=True)
    if api_key is not None:
        cameras = cameras.filter(municipality_id=api_key.municipality_id)
    return cameras if codes is None else cameras.filter(code__in=codes)


class ReadsKeyPermission(BasePermission):
    """DRF permission for the reads API: 403 for a valid key that is not a municipality's integration key."""

    message = "Only a municipality's integration key (scope reads) may submit plate reads."

    def has_permission(self, request: Any, view: Any) -> bool:
        return reads_may_submit(request.auth)


# ---------------------------------------------------------------------------------------------------------
# Patrol units: officers send their own agency's units, and another agency's only under that agency's standing
# agreement (DispatchAgreement). A unit's terminal acts through its unit key, for its own unit and nothing else.
# ---------------------------------------------------------------------------------------------------------


def units_may_use(user: Any) -> bool:
    """Officers list units and dispatch them; centre operators, auditors and administrators do not."""
    return orders_may_use(user)


def dispatchable_agencies_q(user: Any, prefix: str = "") -> Q:
    """The rule "a unit this officer may send", as a condition on units (also through a relation via prefix)."""
    from sightings.models import DispatchAgreement

    if not units_may_use(user):
        return Q(pk__in=[])
    agreed = DispatchAgreement.objects.filter(dispatching_agency_id=user.agency_id).values("unit_agency_id")
    return Q(**{f"{prefix}agency_id": user.agency_id}) | Q(**{f"{prefix}agency_id__in": agreed})


def units_dispatchable(user: Any, queryset: QuerySet) -> QuerySet:
    """The units among the queryset that the officer may send."""
    if not units_may_use(user):
        return queryset.none()
    return queryset.filter(dispatchable_agencies_q(user))


def unit_dispatch_refusal(user: Any, unit: Any) -> str | None:
    """Why the officer may not send this unit (in the person's language), or None when they may."""
    from django.utils.translation import gettext as _

    from sightings.models import DispatchAgreement

    if not units_may_use(user):
        return _("Only police officers dispatch patrol units.")
    if unit.agency_id == user.agency_id:
        return None
    if DispatchAgreement.objects.filter(unit_agency_id=unit.agency_id, dispatching_agency_id=user.agency_id).exists():
        return None
    return _(
        "%(unit)s belongs to %(agency)s, which has no standing agreement letting your agency dispatch its units."
    ) % {
        "unit": unit.call_sign,
        "agency": unit.agency.name,
    }


def unit_key_may_act(api_key: Any, unit: Any) -> bool:
    """A unit key reports and receives for its own unit only (position, status, assignment)."""
    return bool(
        api_key is not None
        and getattr(api_key, "scope", None) == "unit"
        and api_key.unit_id is not None
        and unit is not None
        and api_key.unit_id == unit.pk
    )
