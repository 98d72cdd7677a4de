"""Writes to the disclosure ledger and the access log. Nothing else writes there.

Each service runs inside the caller's transaction (atomic nests as a savepoint): when the caller's work
rolls back, so does the entry, and when the entry cannot be written the caller's work fails with it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from audit.access_counts import access_count
from audit.disclosure_months import disclosures_count
from audit.ledger import lock_chain_head, seal
from audit.models import AccessLogEntry, DisclosureEntry
from audit.purposes import CRIME_CATEGORIES

if TYPE_CHECKING:
    from accounts.models import User
    from audit.models import LedgerCorrection as LedgerCorrectionType
    from sightings.models import Camera, FootageRequest, LiveView, Sighting, WantedOrder

# The access log's security events also go to the log, where operators watch refusals as they happen.
security_logger = logging.getLogger("wassweb.security")

# The ledger's wording is written once, in the site's language, and then sealed by the hash chain.
LOCATION_FILE_NAME = _("Plate-reading CCTV records of %(municipality)s")
FOOTAGE_FILE_NAME = _("CCTV video records of %(municipality)s")
PROVIDER_NAME = _("%(municipality)s smart-city integrated operations centre")
LOCATION_PURPOSE = _("Locating a vehicle wanted for %(crime)s")
LOCATION_DATA_ITEMS = _("plate, time, camera location, plate/vehicle photos")
FOOTAGE_DATA_ITEMS = _("CCTV footage (video or stills) of camera %(camera)s for the period given")
LOCATION_FORM = _("Real-time electronic transmission of the sighting through wassweb")
FOOTAGE_FORM = _("Time-limited download through wassweb; every view and download is logged")
SAFEGUARDS = _(
    "Use only for the case and purpose stated; do not provide to any third party; keep it secure and "
    "destroy it when the case no longer needs it (PIPA Article 18(5))."
)
FOOTAGE_ACCESS_LIMIT = _("Access ends at %(until)s.")
LIVE_DATA_ITEMS = _("Live CCTV video of camera %(camera)s for the period given")
LIVE_FORM = _(
    "Live viewing through the centre's video server at signed, expiring addresses; no recording is provided; "
    "every fetch of the address is logged"
)
LIVE_END_DATA_ITEMS = _("End of live view %(view)s: the period it ran and who watched")
LIVE_LIMIT = _("The picture stops at %(until)s at the latest, or when either side ends it.")
KOREA = zoneinfo.ZoneInfo("Asia/Seoul")


def _kst_minute(when: dt.datetime) -> str:
    """A time written into the ledger as text a person reads: Korea's time to the minute, labelled."""
    return timezone.localtime(when, KOREA).strftime("%Y-%m-%d %H:%M KST")


def _text(message: Any, **values: Any) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % values if values else str(message)


def _crime_label(slug: str) -> str:
    category = CRIME_CATEGORIES.get(slug)
    return _text(category.label) if category else slug


@transaction.atomic
def ledger_record_footage(
    *,
    request: FootageRequest,
    approver: User,
    files: Sequence[tuple[str, str]],
    provided_at=None,
) -> DisclosureEntry:
    """One ledger entry of kind footage for an approved request; files are (name, sha256 hex) pairs."""
    camera = request.camera
    municipality = request.municipality
    safeguards = _text(SAFEGUARDS)
    if request.access_until:
        safeguards += " " + _text(FOOTAGE_ACCESS_LIMIT, until=_kst_minute(request.access_until))
    entry = DisclosureEntry(
        kind=DisclosureEntry.Kind.FOOTAGE,
        file_name=_text(FOOTAGE_FILE_NAME, municipality=municipality.name),
        recipient=request.agency.name,
        purpose=request.purpose,
        legal_basis=request.legal_basis,
        data_items=_text(FOOTAGE_DATA_ITEMS, camera=f"{camera.code} {camera.name}")[:300],
        provided_at=provided_at or timezone.now(),
        window_start=request.window_start,
        window_end=request.window_end,
        form=_text(FOOTAGE_FORM),
        safeguards=safeguards,
        recipient_agency_id=request.agency_id,
        municipality=municipality,
        provider=_text(PROVIDER_NAME, municipality=str(municipality)),
        requester_id=request.requested_by_id,
        approver=approver,
        case_number=request.case_number,
        order_id=request.order_id,
        sighting_id=request.sighting_id,
        camera=camera,
        footage_request_id=request.id,
        file_hashes=[{"name": name, "sha256": digest} for name, digest in files],
        plate=(request.sighting.plate if request.sighting_id else request.order.plate)[:20],
    )
    seal([entry], lock_chain_head(DisclosureEntry))
    entry.save(force_insert=True)
    disclosures_count([(entry, request.order.crime if request.order_id else "")])
    return entry


def _live_view_entry(live_view: LiveView, **fields: Any) -> DisclosureEntry:
    camera, municipality, order = live_view.camera, live_view.municipality, live_view.order
    return DisclosureEntry(
        file_name=_text(FOOTAGE_FILE_NAME, municipality=municipality.name),
        recipient=live_view.agency.name,
        purpose=live_view.reason,
        legal_basis=order.legal_basis,
        form=_text(LIVE_FORM),
        recipient_agency_id=live_view.agency_id,
        municipality=municipality,
        provider=_text(PROVIDER_NAME, municipality=str(municipality)),
        requester_id=live_view.requested_by_id,
        approver_id=live_view.decided_by_id,
        case_number=order.case_number,
        order_id=order.id,
        sighting_id=live_view.sighting_id,
        camera=camera,
        plate=(order.plate or order.pattern)[:20],
        live_view_id=live_view.id,
        **fields,
    )


@transaction.atomic
def ledger_record_live_view(*, live_view: LiveView) -> DisclosureEntry:
    """The entry of kind live written when the centre approves a live view: who may watch which camera until when."""
    camera = live_view.camera
    entry = _live_view_entry(
        live_view,
        kind=DisclosureEntry.Kind.LIVE,
        data_items=_text(LIVE_DATA_ITEMS, camera=f"{camera.code} {camera.name}")[:300],
        provided_at=live_view.decided_at,
        window_start=live_view.decided_at,
        window_end=live_view.approved_until,
        safeguards=_text(SAFEGUARDS) + " " + _text(LIVE_LIMIT, until=_kst_minute(live_view.approved_until)),
    )
    seal([entry], lock_chain_head(DisclosureEntry))
    entry.save(force_insert=True)
    disclosures_count([(entry, live_view.order.crime)])
    return entry


@transaction.atomic
def ledger_record_live_view_end(*, live_view: LiveView, viewers: Sequence[Mapping[str, Any]]) -> DisclosureEntry:
    """The closing entry of a live view (append-only: the approval's entry is never changed): the period the
    session actually ran, who ended it, and each viewer with their first and last fetch of the stream address."""
    entry = _live_view_entry(
        live_view,
        kind=DisclosureEntry.Kind.LIVE_END,
        data_items=_text(LIVE_END_DATA_ITEMS, view=str(live_view.id))[:300],
        provided_at=live_view.ended_at,
        # From the first fetch of the picture (the approval when nobody watched) to the actual end.
        window_start=live_view.started_at or live_view.decided_at,
        window_end=live_view.ended_at,
        safeguards=_text(SAFEGUARDS),
        viewers=[dict(viewer) for viewer in viewers],
    )
    seal([entry], lock_chain_head(DisclosureEntry))
    entry.save(force_insert=True)
    disclosures_count([(entry, live_view.order.crime)])
    return entry


def ledger_record_locations(
    *,
    sightings: Iterable[Sighting],
    orders: Mapping[Any, WantedOrder],
    cameras: Mapping[Any, Camera],
    file_hashes: Mapping[UUID, Sequence[tuple[str, str]]] | None = None,
) -> list[DisclosureEntry]:
    """One ledger entry of kind location per sighting delivered to the police, in one bulk insert.

    The receiving body is the order's agency and the providing body the camera's municipality; the legal
    basis and case number are the order's. orders and cameras map the sightings' order and camera ids to
    the caller's instances, with the order's agency and the camera's municipality and province loaded
    (sightings.hits.references.disclosure_references), so recording costs no query of sightings' tables:
    the chain head and one INSERT per call, however many sightings. file_hashes maps a sighting id to the
    photos sent with it.
    """
    sightings = list(sightings)
    if not sightings:
        return []
    file_hashes = file_hashes or {}
    # Keyed by text: callers may hold the ids as UUIDs or as the strings a task carried.
    orders = {str(pk): order for pk, order in orders.items()}
    cameras = {str(pk): camera for pk, camera in cameras.items()}
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        data_items, form, safeguards = str(LOCATION_DATA_ITEMS), str(LOCATION_FORM), str(SAFEGUARDS)
        entries, crimes = [], []
        for sighting in sightings:
            order, camera = orders[str(sighting.order_id)], cameras[str(sighting.camera_id)]
            municipality = camera.municipality
            entries.append(
                DisclosureEntry(
                    kind=DisclosureEntry.Kind.LOCATION,
                    file_name=str(LOCATION_FILE_NAME) % {"municipality": municipality.name},
                    recipient=order.agency.name,
                    purpose=str(LOCATION_PURPOSE) % {"crime": _crime_label(order.crime)},
                    legal_basis=order.legal_basis,
                    data_items=data_items,
                    provided_at=sighting.received_at or now,
                    window_start=sighting.seen_at,
                    window_end=sighting.seen_at,
                    form=form,
                    safeguards=safeguards,
                    recipient_agency_id=order.agency_id,
                    municipality_id=municipality.id,
                    provider=str(PROVIDER_NAME) % {"municipality": str(municipality)},
                    requester_id=order.issued_by_id,
                    approver=None,
                    case_number=order.case_number,
                    order_id=order.id,
                    sighting_id=sighting.id,
                    camera_id=camera.id,
                    footage_request_id=None,
                    file_hashes=[{"name": name, "sha256": digest} for name, digest in file_hashes.get(sighting.id, ())],
                    created_at=now,
                    plate=sighting.plate[:20],
                )
            )
            crimes.append(order.crime)
    with transaction.atomic():
        seal(entries, lock_chain_head(DisclosureEntry))
        DisclosureEntry.objects.bulk_create(entries)
        disclosures_count(zip(entries, crimes, strict=True))
    return entries


# A hit's location sent on to a patrol unit's terminal (sightings.units): the unit is the receiving body.
UNIT_RECIPIENT = _("Patrol unit %(unit)s, %(agency)s")
UNIT_PURPOSE = _("Sending patrol unit %(unit)s to a vehicle wanted for %(crime)s")
UNIT_DATA_ITEMS = _("plate, time, camera location, plate/vehicle photos, the vehicle's trail and likely next cameras")
UNIT_FORM = _("Real-time push to the patrol unit's terminal through wassweb")


@transaction.atomic
def ledger_record_unit_location(
    *,
    sighting: Sighting,
    order: WantedOrder,
    camera: Camera,
    unit_call_sign: str,
    unit_agency: Any,
    dispatched_by: User,
) -> DisclosureEntry:
    """One ledger entry of kind location for a hit's location given to a patrol unit, in the dispatch's transaction.

    order needs its agency, camera its municipality and province; unit_agency is the unit's Agency. The officer
    who dispatched is the requester: it was their decision to give the location to the unit.
    """
    municipality = camera.municipality
    entry = DisclosureEntry(
        kind=DisclosureEntry.Kind.LOCATION,
        file_name=_text(LOCATION_FILE_NAME, municipality=municipality.name),
        recipient=_text(UNIT_RECIPIENT, unit=unit_call_sign, agency=unit_agency.name)[:200],
        purpose=_text(UNIT_PURPOSE, unit=unit_call_sign, crime=_crime_label(order.crime)),
        legal_basis=order.legal_basis,
        data_items=_text(UNIT_DATA_ITEMS)[:300],
        provided_at=timezone.now(),
        window_start=sighting.seen_at,
        window_end=sighting.seen_at,
        form=_text(UNIT_FORM),
        safeguards=_text(SAFEGUARDS),
        recipient_agency_id=unit_agency.pk,
        municipality=municipality,
        provider=_text(PROVIDER_NAME, municipality=str(municipality)),
        requester_id=dispatched_by.pk,
        approver=None,
        case_number=order.case_number,
        order_id=order.id,
        sighting_id=sighting.id,
        camera_id=camera.id,
        footage_request_id=None,
        file_hashes=[],
        plate=sighting.plate[:20],
    )
    seal([entry], lock_chain_head(DisclosureEntry))
    entry.save(force_insert=True)
    disclosures_count([(entry, order.crime)])
    return entry


def _actor(actor: Any) -> tuple[Any, str]:
    """(user id or None, readable label) for a person, an API key or nobody."""
    from accounts.models import ApiKey

    if isinstance(actor, ApiKey):
        return actor.user_id, f"key:{actor.prefix}"
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "anonymous"
    return actor.pk, actor.get_username()


def _object(obj: Any) -> tuple[str, str, str]:
    """(object type, object id, plate) for a model instance, a (type, id) pair or a bare type name."""
    if isinstance(obj, models.Model):
        plate = getattr(obj, "plate", "") or getattr(obj, "pattern", "") or ""
        return obj._meta.model_name, str(obj.pk), plate
    if isinstance(obj, tuple):
        return str(obj[0]), str(obj[1]), ""
    return str(obj), "", ""


def _client_ip(request: Any) -> str | None:
    from accounts.permissions import client_ip

    # The client's address, through TRUSTED_PROXIES' X-Forwarded-For when configured (not the proxy's).
    address = client_ip(request) if request is not None else None
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def access_log_record_many(
    *,
    actor: Any,
    action: str,
    objects: Iterable[Any],
    outcome: str = AccessLogEntry.Outcome.ALLOWED,
    request: Any = None,
) -> list[AccessLogEntry]:
    """One access-log row per object, one INSERT. A denial must be recorded outside any transaction that
    is about to roll back, or it rolls back with it."""
    actor_id, actor_label = _actor(actor)
    ip = _client_ip(request)
    path = request.get_full_path()[:300] if request is not None else ""
    now = timezone.now()
    entries = []
    for obj in objects:
        object_type, object_id, plate = _object(obj)
        entries.append(
            AccessLogEntry(
                actor_id=actor_id,
                actor_label=actor_label[:160],
                action=action[:40],
                object_type=object_type[:40],
                object_id=object_id[:64],
                plate=plate[:20],
                outcome=outcome,
                ip=ip,
                path=path,
                at=now,
            )
        )
    if not entries:
        return []
    with transaction.atomic():
        seal(entries, lock_chain_head(AccessLogEntry))
        AccessLogEntry.objects.bulk_create(entries)
        access_count(entries)
    return entries


def access_entry_write(
    *,
    request: Any,
    user: Any,
    action: str,
    object_type: str,
    object_id: str,
    plate: str,
    shown: int | None,
    filters: str,
    outcome: str,
    reason: str,
) -> AccessLogEntry:
    """The one access-log entry of a person's request (audit.access_middleware), with their role and tenant."""
    from audit.access_middleware import person_label

    entry = AccessLogEntry(
        actor_id=user.pk,
        actor_label=person_label(user, request)[:160],
        role=(user.role or ("admin" if user.is_staff else ""))[:16],
        agency_id=user.agency_id,
        municipality_id=user.municipality_id,
        action=action[:40],
        object_type=object_type[:40],
        object_id=object_id[:64],
        plate=plate[:20],
        shown=shown,
        filters=filters[:300],
        outcome=outcome,
        reason=reason[:200],
        ip=_client_ip(request),
        path=request.path[:300],
        at=timezone.now(),
    )
    with transaction.atomic():
        seal([entry], lock_chain_head(AccessLogEntry))
        entry.save(force_insert=True)
        access_count([entry])
    return entry


def socket_access_record(
    *,
    scope: dict[str, Any],
    user: Any,
    allowed: bool,
    subscribed: Sequence[str] = (),
    object_type: str = "alerts",
    refusal: str = "this role receives no live alerts",
) -> None:
    """A person's WebSocket subscription (or its refusal): one entry when the socket is accepted or turned away.

    Frames that follow are hits, each of which is a disclosure in the ledger already.
    """
    from accounts.models import User
    from accounts.permissions import scope_client_ip

    if not isinstance(user, User) or not user.is_authenticated:
        return  # nobody signed in: refused at the door, a security event of its own (accounts.asgi)
    address = scope_client_ip(scope)
    try:
        ip = str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        ip = None
    entry = AccessLogEntry(
        actor_id=user.pk,
        actor_label=user.get_username()[:160],
        role=(user.role or ("admin" if user.is_staff else ""))[:16],
        agency_id=user.agency_id,
        municipality_id=user.municipality_id,
        action="subscribe",
        object_type=object_type,
        filters=("groups=" + ",".join(subscribed))[:300] if subscribed else "",
        outcome=AccessLogEntry.Outcome.ALLOWED if allowed else AccessLogEntry.Outcome.DENIED,
        reason="" if allowed else refusal[:200],
        ip=ip,
        path=str(scope.get("path", ""))[:300],
        at=timezone.now(),
    )
    with transaction.atomic():
        seal([entry], lock_chain_head(AccessLogEntry))
        entry.save(force_insert=True)
        access_count([entry])


def access_log_record(
    *, actor: Any, action: str, obj: Any, outcome: str = AccessLogEntry.Outcome.ALLOWED, request: Any = None
) -> AccessLogEntry | None:
    """Records that actor did action on obj (a model instance, a (type, id) pair or a type name).

    Inside a person's own request the middleware writes that request's one entry: this only describes it.
    """
    from wassweb import access_note

    if request is not None and access_note.will_be_recorded(request) and _is_requester(request, actor, None):
        object_type, object_id, plate = _object(obj)
        denied = outcome != AccessLogEntry.Outcome.ALLOWED
        access_note.describe(
            request,
            action=action,
            object_type=object_type,
            object_id=object_id,
            plate=None if denied else plate,
            outcome=outcome if denied else None,
        )
        return None
    return access_log_record_many(actor=actor, action=action, objects=[obj], outcome=outcome, request=request)[0]


def access_refusal_record(
    *, actor: Any, action: str, obj: Any, request: Any = None, address: str = ""
) -> AccessLogEntry | None:
    """Records a refusal: the first of its kind from its source in an interval as an access-log row, the rest
    of the interval counted into one AccessTally (audit.tallies). Returns the row when one was written."""
    from accounts.models import ApiKey
    from audit.models import AccessTally
    from audit.tallies import Source, tally_count

    actor_id, actor_label = _actor(actor)
    api_key = actor if isinstance(actor, ApiKey) else None
    address = address or _client_ip(request) or ""
    source = Source(
        kind=AccessTally.Kind.REFUSAL,
        action=action[:40],
        outcome=AccessLogEntry.Outcome.DENIED,
        actor_label=actor_label,
        api_key_id=str(api_key.pk) if api_key is not None else None,
        municipality_id=api_key.municipality_id if api_key is not None else None,
        # Someone without a name is told apart by where they come from.
        address=address if actor_id is None and api_key is None else "",
    )
    if not tally_count(source=source, address=address, log_first=True):
        return None
    return access_log_record(
        actor=actor, action=action, obj=obj, outcome=AccessLogEntry.Outcome.DENIED, request=request
    )


# Refusals that keep one access-log row each: a failed password is bounded by the lock-out and is what the
# auditor's per-username alarm counts (audit.anomalies).
ONE_ROW_PER_REFUSAL = frozenset({"login"})


def security_event_record(
    *,
    request: Any,
    action: str,
    allowed: bool,
    user: Any = None,
    api_key: Any = None,
    obj: Any = "session",
    address: str = "",
    detail: str = "",
) -> None:
    """Writes a security event such as a refusal or a lock-out to the access log (and a log line).

    Called by audit's receiver of accounts.signals.access_event. A refusal repeated from the same source
    within an interval is one access-log row and one counted tally (audit.tallies), so junk traffic cannot
    grow the append-only log a row per request.
    """
    from accounts.permissions import client_ip
    from wassweb import access_note

    address = address or (client_ip(request) if request is not None else "")
    actor = api_key if api_key is not None else user
    if request is not None and access_note.will_be_recorded(request) and _is_requester(request, user, api_key):
        # The person's request gets its one entry from the access-log middleware: the event names what it was.
        object_type, object_id, _plate = _object(obj)
        access_note.describe(
            request,
            action=action,
            object_type=object_type,
            object_id=object_id,
            reason=detail if not allowed else None,
            outcome=None if allowed else AccessLogEntry.Outcome.DENIED,
        )
        security_logger.log(
            logging.INFO if allowed else logging.WARNING,
            "access %s %s user=%s ip=%s path=%s %s",
            action,
            "allowed" if allowed else "denied",
            getattr(user, "pk", None),
            address,
            request.path,
            detail,
        )
        return
    if not allowed and action not in ONE_ROW_PER_REFUSAL:
        written = access_refusal_record(actor=actor, action=action, obj=obj, request=request, address=address)
        if written is None:
            return  # counted; its first occurrence in this interval is already logged
    else:
        access_log_record(
            actor=actor, action=action, obj=obj, outcome="allowed" if allowed else "denied", request=request
        )
    security_logger.log(
        logging.INFO if allowed else logging.WARNING,
        "access %s %s user=%s key=%s ip=%s path=%s %s",
        action,
        "allowed" if allowed else "denied",
        getattr(user, "pk", None),
        getattr(api_key, "prefix", None),
        address,
        request.path if request is not None else "",
        detail,
    )


def _is_requester(request: Any, user: Any, api_key: Any) -> bool:
    """The event is about the person making the request (not a lock-out of someone else's name)."""
    from wassweb.access_note import http_request

    # Django's request: DRF's Request.user would run authentication again from inside it.
    requester = getattr(http_request(request), "user", None)
    from accounts.models import ApiKey

    subject = user if user is not None else getattr(api_key, "user", None)
    if isinstance(subject, ApiKey):  # a person's own key acts as that person
        subject = subject.user
    return (
        subject is not None
        and getattr(requester, "is_authenticated", False)
        and getattr(subject, "pk", None) == getattr(requester, "pk", None)
    )


def key_use_record(*, api_key: Any, address: str) -> None:
    """Counts one authenticated use of an API key into its tally for the interval: no row per request."""
    from audit.models import AccessTally
    from audit.tallies import Source, tally_count

    source = Source(
        kind=AccessTally.Kind.KEY_USE,
        action="key",
        outcome=AccessLogEntry.Outcome.ALLOWED,
        actor_label=f"key:{api_key.prefix}",
        api_key_id=str(api_key.pk),
        municipality_id=api_key.municipality_id,
    )
    tally_count(source=source, address=address)


class LedgerCorrectionRefused(Exception):
    """The correction cannot be recorded: no such entry, the entry verifies, or it was corrected already."""


@transaction.atomic
def ledger_correction_record(
    *, chain: str, sequence: int, reason: str, recorded_by: User | None = None
) -> LedgerCorrectionType:
    """Records that entry `sequence` of `chain` ("ledger" or "access_log") was found wrong without tampering.

    Nothing in the corrected chain changes. The correction stores what the entry's content hashes to now, so
    verification reports the entry as corrected while its content stays as found, and broken if it changes
    again. Refused for an entry that does not exist, one that verifies, and one already corrected.
    """
    from audit.ledger import CORRECTABLE, content_hash
    from audit.models import LedgerCorrection

    model = CORRECTABLE.get(chain)
    if model is None:
        raise LedgerCorrectionRefused(f"unknown chain {chain!r}: use one of {', '.join(CORRECTABLE)}")
    reason = (reason or "").strip()
    if not reason:
        raise LedgerCorrectionRefused("give the reason for the correction")
    head = lock_chain_head(LedgerCorrection)  # also serialises two operators correcting the same entry
    entry = model.objects.filter(sequence=sequence).first()
    if entry is None:
        raise LedgerCorrectionRefused(f"{chain} has no entry {sequence}")
    if LedgerCorrection.objects.filter(chain=chain, corrects_sequence=sequence).exists():
        raise LedgerCorrectionRefused(f"{chain} entry {sequence} was corrected already")
    found_hash = content_hash(entry)
    if found_hash == entry.entry_hash:
        raise LedgerCorrectionRefused(f"{chain} entry {sequence} verifies: there is nothing to correct")
    correction = LedgerCorrection(
        chain=chain,
        corrects_sequence=sequence,
        found_hash=found_hash,
        reason=reason,
        recorded_by=recorded_by,
    )
    seal([correction], head)
    correction.save(force_insert=True)
    return correction
