"""Footage requests: an officer asks, the camera's municipality approves (with the footage) or denies.

Approval is a disclosure under PIPA 18(2): it writes one ledger entry in the same transaction, and the
officer's access is time-limited. Beat escalates undecided urgent requests, ends access and purges files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.purposes import CRIME_CATEGORIES
from sightings import permissions
from sightings.live import alerts
from sightings.models import Camera, FootageFile, FootageRequest, Sighting, WantedOrder
from wassweb import service_errors

logger = logging.getLogger(__name__)

# Footage around a sighting: this much before and after the moment the plate was read.
SIGHTING_WINDOW = dt.timedelta(minutes=5)


class FootageConflict(service_errors.Conflict):
    """The request is no longer in a state that allows the operation (already decided)."""


class FootageForbidden(service_errors.Forbidden):
    """The person may see the request but not do this to it."""


@dataclass(frozen=True)
class FileKind:
    kind: str
    content_type: str
    extensions: tuple[str, ...]


# What a centre may upload, recognised by the file's first bytes as well as its name.
_JPEG = FileKind(FootageFile.Kind.PHOTO, "image/jpeg", (".jpg", ".jpeg"))
_PNG = FileKind(FootageFile.Kind.PHOTO, "image/png", (".png",))
_MP4 = FileKind(FootageFile.Kind.CLIP, "video/mp4", (".mp4", ".m4v", ".mov"))
_WEBM = FileKind(FootageFile.Kind.CLIP, "video/webm", (".webm", ".mkv"))
_AVI = FileKind(FootageFile.Kind.CLIP, "video/x-msvideo", (".avi",))
ALLOWED_EXTENSIONS = tuple(ext for kind in (_JPEG, _PNG, _MP4, _WEBM, _AVI) for ext in kind.extensions)


def sniff_file_kind(head: bytes) -> FileKind | None:
    """The file kind from its first bytes, or None for anything that is not an accepted photo or clip."""
    if head.startswith(b"\xff\xd8\xff"):
        return _JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _PNG
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _MP4
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _WEBM
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return _AVI
    return None


def _notify_after_commit(footage_request: FootageRequest, *, requester: bool) -> None:
    payload = footage_payload(footage_request)
    code = footage_request.municipality.code
    user_id = footage_request.requested_by_id

    def send() -> None:
        alerts.send_to_group(alerts.municipality_group(code), alerts.FOOTAGE_UPDATE, payload)
        if requester:
            alerts.send_to_group(alerts.user_group(user_id), alerts.FOOTAGE_UPDATE, payload)

    transaction.on_commit(send)


def footage_payload(footage_request: FootageRequest) -> dict[str, Any]:
    return {
        "type": "footage",
        "id": str(footage_request.id),
        "sighting": str(footage_request.sighting_id) if footage_request.sighting_id else None,
        "status": footage_request.status,
        "urgent": footage_request.urgent,
        "escalated": footage_request.escalated_at is not None,
        "municipality": footage_request.municipality.code,
        "camera": footage_request.camera.code,
        "case_number": footage_request.case_number,
        "access_until": footage_request.access_until.isoformat() if footage_request.access_until else None,
        "created_at": footage_request.created_at.isoformat(),
    }


def footage_window_bounds(*, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The earliest start and the latest end a footage window may have (docs/LEDGER.md, plausibility bounds).

    Back to FOOTAGE_WINDOW_MAX_AGE_DAYS, the centres' recording retention; forward only by the few minutes a
    sighting's default window reaches past a read stamped by a camera clock running ahead.
    """
    now = now or timezone.now()
    ahead = SIGHTING_WINDOW + dt.timedelta(seconds=settings.READS_MAX_FUTURE_SECONDS)
    return now - dt.timedelta(days=settings.FOOTAGE_WINDOW_MAX_AGE_DAYS), now + ahead


@transaction.atomic
def footage_request_create(
    *,
    requested_by: Any,
    order: WantedOrder,
    purpose: str,
    sighting: Sighting | None = None,
    camera: Camera | None = None,
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
    legal_basis: str = "",
    case_number: str = "",
    urgent: bool = False,
) -> FootageRequest:
    """Addresses a request to the municipality of the sighting's (or the given) camera."""
    errors: dict[str, str] = {}
    order = WantedOrder.objects.select_for_update().get(pk=order.pk)
    if not order.is_active:
        errors["order"] = _("The wanted order is no longer active; footage cannot be requested for it.")
    earliest, latest = footage_window_bounds()
    if sighting is not None:
        if sighting.order_id != order.pk:
            errors["sighting"] = _("The sighting belongs to another wanted order.")
        camera = sighting.camera
        # Checked before any arithmetic on it: a time near year 1 or 9999 would overflow.
        if not earliest + SIGHTING_WINDOW <= sighting.seen_at <= latest - SIGHTING_WINDOW:
            errors["sighting"] = _(
                "The sighting's time is outside the period footage can be requested for (the last %(days)d days)."
            ) % {"days": settings.FOOTAGE_WINDOW_MAX_AGE_DAYS}
        else:
            window_start = window_start or sighting.seen_at - SIGHTING_WINDOW
            window_end = window_end or sighting.seen_at + SIGHTING_WINDOW
    elif camera is None:
        errors["camera"] = _("Name a sighting or a camera.")
    if sighting is None and camera is not None:
        if window_start is None:
            errors["window_start"] = _("Give the start of the time window.")
        if window_end is None:
            errors["window_end"] = _("Give the end of the time window.")
    if window_start and window_end:
        if window_end <= window_start:
            errors["window_end"] = _("The window must end after it starts.")
        elif window_end - window_start > dt.timedelta(hours=settings.FOOTAGE_MAX_WINDOW_HOURS):
            errors["window_end"] = _("The window may span at most %(hours)d hours.") % {
                "hours": settings.FOOTAGE_MAX_WINDOW_HOURS
            }
        elif window_start < earliest:
            errors["window_start"] = _(
                "The window cannot start more than %(days)d days ago: the centres keep no recordings that old."
            ) % {"days": settings.FOOTAGE_WINDOW_MAX_AGE_DAYS}
        elif window_end > latest:
            errors["window_end"] = _("The window cannot end in the future.")
        elif window_start > timezone.now():
            errors["window_start"] = _("The window cannot start in the future.")
    if camera is not None and not camera.active:
        errors["camera"] = _("The camera is not active.")
    purpose = (purpose or "").strip()
    if not purpose:
        errors["purpose"] = _("Say what the footage is needed for.")
    legal_basis = legal_basis or order.legal_basis
    category = CRIME_CATEGORIES.get(order.crime)
    if category is not None and legal_basis not in category.bases:
        errors["legal_basis"] = _("This legal basis does not cover the order's category.")
    case_number = (case_number or order.case_number).strip()
    if not case_number:
        errors["case_number"] = _("A case number is required.")
    if errors:
        raise ValidationError(errors)

    footage_request = FootageRequest.objects.create(
        order=order,
        sighting=sighting,
        camera=camera,
        municipality=camera.municipality,
        window_start=window_start,
        window_end=window_end,
        purpose=purpose,
        legal_basis=legal_basis,
        case_number=case_number,
        urgent=urgent,
        requested_by=requested_by,
        agency_id=requested_by.agency_id,
    )
    _notify_after_commit(footage_request, requester=False)
    return footage_request


def _check_upload(upload: UploadedFile) -> FileKind:
    name = upload.name or ""
    if upload.size is None or upload.size == 0:
        raise ValidationError({"files": _("%(name)s is empty.") % {"name": name}})
    if upload.size > settings.FOOTAGE_MAX_FILE_BYTES:
        raise ValidationError(
            {
                "files": _("%(name)s is larger than %(mb)d MB.")
                % {"name": name, "mb": settings.FOOTAGE_MAX_FILE_BYTES // (1024 * 1024)}
            }
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff_file_kind(head)
    if kind is None or not name.lower().endswith(kind.extensions):
        raise ValidationError(
            {
                "files": _("%(name)s is not an accepted photo or clip (%(types)s).")
                % {"name": name, "types": ", ".join(ALLOWED_EXTENSIONS)}
            }
        )
    return kind


def _store_upload(
    *, footage_request: FootageRequest, upload: UploadedFile, kind: FileKind, uploaded_by: Any
) -> FootageFile:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    footage_file = FootageFile(
        request=footage_request,
        name=upload.name[:200],
        kind=kind.kind,
        source=FootageFile.Source.UPLOAD,
        content_type=kind.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=uploaded_by,
    )
    footage_file.file.save(upload.name, upload, save=False)
    footage_file.save()
    return footage_file


def _copy_sighting_photo(
    *, footage_request: FootageRequest, field: Any, source: str, uploaded_by: Any
) -> FootageFile | None:
    if not field:
        return None
    with field.open("rb") as handle:
        content = handle.read()
    kind = sniff_file_kind(content[:16]) or _JPEG
    name = f"{source}-{footage_request.sighting_id}{kind.extensions[0]}"
    footage_file = FootageFile(
        request=footage_request,
        name=name,
        kind=FootageFile.Kind.PHOTO,
        source=source,
        content_type=kind.content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=uploaded_by,
    )
    # A copy, so the footage's retention and purge never touch the sighting's own evidence.
    footage_file.file.save(name, ContentFile(content), save=False)
    footage_file.save()
    return footage_file


def _record_disclosure(footage_request: FootageRequest, files: Sequence[FootageFile]) -> Any:
    # Looked up at call time so the ledger module stays the single writer of entries.
    from audit import services as audit_services

    return audit_services.ledger_record_footage(
        request=footage_request,
        approver=footage_request.decided_by,
        files=[(footage_file.name, footage_file.sha256) for footage_file in files],
        provided_at=footage_request.decided_at,
    )


def _lock_pending(footage_request: FootageRequest, user: Any) -> FootageRequest:
    locked = (
        FootageRequest.objects.select_for_update(of=("self",))
        .select_related("order", "sighting", "camera", "municipality", "requested_by", "agency")
        .get(pk=footage_request.pk)
    )
    refusal = permissions.footage_decide_refusal(user, locked)
    if refusal:
        raise FootageForbidden(refusal)
    if not locked.is_pending:
        raise FootageConflict(_("The request has already been decided."))
    return locked


@transaction.atomic
def footage_request_approve(
    *,
    footage_request: FootageRequest,
    approved_by: Any,
    uploads: Sequence[UploadedFile] = (),
    attach_sighting_photos: bool = False,
) -> FootageRequest:
    """Approves with the footage attached, writes the ledger entry and grants the officer time-limited access.

    Everything happens in one transaction: if any step fails (a bad file, the ledger), nothing is approved
    and no file is kept.
    """
    footage_request = _lock_pending(footage_request, approved_by)
    if not footage_request.order.is_active:
        raise ValidationError({"order": _("The wanted order is no longer active; the footage cannot be provided.")})
    if len(uploads) > settings.FOOTAGE_MAX_FILES:
        raise ValidationError({"files": _("At most %(n)d files per request.") % {"n": settings.FOOTAGE_MAX_FILES}})
    checked = [(upload, _check_upload(upload)) for upload in uploads]
    sighting = footage_request.sighting
    if attach_sighting_photos and (sighting is None or not (sighting.plate_image or sighting.vehicle_image)):
        raise ValidationError({"attach_sighting_photos": _("This request has no sighting photos to attach.")})
    if not checked and not attach_sighting_photos:
        raise ValidationError({"files": _("Attach at least one file or the sighting's photos.")})

    stored: list[FootageFile] = []
    try:
        for upload, kind in checked:
            stored.append(
                _store_upload(footage_request=footage_request, upload=upload, kind=kind, uploaded_by=approved_by)
            )
        if attach_sighting_photos:
            for field, source in (
                (sighting.plate_image, FootageFile.Source.PLATE_PHOTO),
                (sighting.vehicle_image, FootageFile.Source.VEHICLE_PHOTO),
            ):
                copied = _copy_sighting_photo(
                    footage_request=footage_request, field=field, source=source, uploaded_by=approved_by
                )
                if copied is not None:
                    stored.append(copied)

        now = timezone.now()
        footage_request.status = FootageRequest.Status.APPROVED
        footage_request.decided_by = approved_by
        footage_request.decided_at = now
        footage_request.access_until = now + dt.timedelta(hours=settings.FOOTAGE_ACCESS_HOURS)
        footage_request.purge_after = now + dt.timedelta(days=settings.FOOTAGE_RETENTION_DAYS)
        footage_request.save(update_fields=["status", "decided_by", "decided_at", "access_until", "purge_after"])
        _record_disclosure(footage_request, stored)
        permissions.footage_grant_access(footage_request)
    except BaseException:
        # The rows roll back with the transaction; the stored bytes must go too.
        for footage_file in stored:
            footage_file.file.delete(save=False)
        raise
    _notify_after_commit(footage_request, requester=True)
    return footage_request


@transaction.atomic
def footage_request_deny(*, footage_request: FootageRequest, denied_by: Any, reason: str) -> FootageRequest:
    reason = (reason or "").strip()
    footage_request = _lock_pending(footage_request, denied_by)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the denial.")})
    footage_request.status = FootageRequest.Status.DENIED
    footage_request.decided_by = denied_by
    footage_request.decided_at = timezone.now()
    footage_request.deny_reason = reason
    footage_request.save(update_fields=["status", "decided_by", "decided_at", "deny_reason"])
    _notify_after_commit(footage_request, requester=True)
    return footage_request


def footage_access_log(
    *, user: Any, request_id: Any, action: str, allowed: bool, file_id: Any = None, http_request: Any = None
) -> None:
    """Records a look at footage (a file list or a download), or a refused attempt, in the access log."""
    from audit import services as audit_services

    audit_services.access_log_record(
        actor=user,
        action=action,
        obj=("footagefile", file_id) if file_id else ("footagerequest", request_id),
        outcome="allowed" if allowed else "denied",
        request=http_request,
    )


def footage_requests_escalate(*, now: dt.datetime | None = None) -> int:
    """Flags urgent requests left undecided too long and tells every operator of their municipality again."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.FOOTAGE_URGENT_ESCALATE_MINUTES)
    escalated = 0
    with transaction.atomic():
        overdue = (
            FootageRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=FootageRequest.Status.PENDING, urgent=True, escalated_at__isnull=True)
            .filter(created_at__lte=cutoff)
            .select_related("municipality", "camera")
        )
        for footage_request in overdue:
            footage_request.escalated_at = now
            footage_request.save(update_fields=["escalated_at"])
            _notify_after_commit(footage_request, requester=False)
            escalated += 1
    if escalated:
        logger.warning(
            "escalated %d urgent footage requests undecided for %d minutes",
            escalated,
            settings.FOOTAGE_URGENT_ESCALATE_MINUTES,
        )
    return escalated


def footage_access_expire(*, now: dt.datetime | None = None) -> int:
    """Revokes the officers' grants whose access period has ended."""
    now = now or timezone.now()
    expired = 0
    with transaction.atomic():
        ending = (
            FootageRequest.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=FootageRequest.Status.APPROVED, access_until__lte=now, access_revoked_at__isnull=True)
            .select_related("municipality", "camera", "requested_by")
        )
        for footage_request in ending:
            permissions.footage_revoke_access(footage_request)
            footage_request.access_revoked_at = now
            footage_request.save(update_fields=["access_revoked_at"])
            _notify_after_commit(footage_request, requester=True)
            expired += 1
    return expired


def footage_files_purge(*, now: dt.datetime | None = None) -> int:
    """Deletes the stored footage after its retention; the file rows (with their SHA-256) and the ledger stay."""
    now = now or timezone.now()
    purged = 0
    due = FootageRequest.objects.filter(purge_after__lte=now, purged_at__isnull=True).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            footage_request = (
                FootageRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("requested_by")
                .filter(pk=pk, purged_at__isnull=True)
                .first()
            )
            if footage_request is None:
                continue
            if footage_request.access_revoked_at is None:
                permissions.footage_revoke_access(footage_request)
                footage_request.access_revoked_at = now
            names = []
            for footage_file in footage_request.files.filter(purged_at__isnull=True):
                if footage_file.file:
                    names.append(footage_file.file.name)
                footage_file.file = ""
                footage_file.purged_at = now
                footage_file.save(update_fields=["file", "purged_at"])
            footage_request.purged_at = now
            footage_request.save(update_fields=["access_revoked_at", "purged_at"])
            storage = FootageFile._meta.get_field("file").storage
            # Bytes go only once the rows say so; a failed commit leaves the files for the next run.
            transaction.on_commit(lambda names=names, storage=storage: [storage.delete(name) for name in names])
        purged += 1
    return purged
