"""What a request showed or changed, told by the view to the one layer that writes the access log.

audit.access_middleware writes exactly one access-log entry for every request by a person. It knows who asked,
from where, for which URL and with which answer (allowed, refused, not found); only the view knows what the
answer contained. A view says so with describe(): the kind of object, its id (or the filter of a list), how
many objects were shown and the plate they are about. A view that says nothing is still recorded, under the
name of its URL, so a new endpoint cannot escape the log; it is only less precise.

This module is plumbing: accounts, audit and sightings all call it, and it imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ATTRIBUTE = "access_note"
# Set by the middleware on the requests whose entry it will write.
RECORDING = "access_recording"


@dataclass
class AccessNote:
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    # The plate of the object(s) shown. Only a plate that was shown: a search that matched nothing leaves it
    # empty, so the log never keeps a plate that matched nothing.
    plate: str = ""
    shown: int | None = None
    filters: dict[str, str] = field(default_factory=dict)
    # Why a request was refused, in words the auditor reads.
    reason: str = ""
    # "denied" where the answer's status does not tell (a wrong second-factor code answers 200 with the form).
    outcome: str = ""
    # Set by a view that writes its own entries (a socket, a security event already recorded): no second row.
    recorded: bool = False


def http_request(request: Any) -> Any:
    # A DRF Request wraps Django's; the middleware sees Django's.
    return getattr(request, "_request", request)


def note_for(request: Any) -> AccessNote:
    """The request's note, created empty on first use."""
    django_request = http_request(request)
    note = getattr(django_request, ATTRIBUTE, None)
    if note is None:
        note = AccessNote()
        setattr(django_request, ATTRIBUTE, note)
    return note


def describe(
    request: Any,
    *,
    action: str | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    plate: str | None = None,
    shown: int | None = None,
    filters: dict[str, Any] | None = None,
    reason: str | None = None,
    outcome: str | None = None,
) -> AccessNote:
    """Tells the access log what this request showed or did. Later calls refine earlier ones."""
    note = note_for(request)
    if action is not None:
        note.action = action
    if object_type is not None:
        note.object_type = object_type
    if object_id is not None:
        note.object_id = str(object_id)
    if plate is not None:
        note.plate = plate
    if shown is not None:
        note.shown = shown
    if filters is not None:
        note.filters = {str(key): str(value) for key, value in filters.items() if value not in (None, "")}
    if reason is not None:
        note.reason = reason[:200]
    if outcome is not None:
        note.outcome = outcome
    return note


def describe_object(request: Any, obj: Any, *, object_type: str | None = None) -> None:
    """A page or answer about one object: its kind, id and the plate it is about."""
    describe(
        request,
        object_type=object_type or obj._meta.model_name,
        object_id=obj.pk,
        plate=getattr(obj, "plate", "") or _loaded_order_plate(obj),
        shown=1,
    )


def describe_objects(request: Any, objects: list[Any], *, object_type: str, action: str = "list", **extra) -> None:
    """A list: how many were shown, the one id and plate when exactly one was, the shared plate when all
    shown are about one vehicle (a list filtered to one plate or one order)."""
    plates = {getattr(obj, "plate", "") or _loaded_order_plate(obj) for obj in objects}
    plates.discard("")
    describe(
        request,
        action=action,
        object_type=object_type,
        object_id=objects[0].pk if len(objects) == 1 else None,
        plate=plates.pop() if len(plates) == 1 else None,
        shown=len(objects),
        **extra,
    )


def _loaded_order_plate(obj: Any) -> str:
    # Only an order already loaded with the object: describing a page must not cost a query per row.
    cache = getattr(getattr(obj, "_state", None), "fields_cache", {})
    return getattr(cache.get("order"), "plate", "") or ""


def mark_recorded(request: Any) -> None:
    """This request's entry has been written elsewhere; the middleware writes none."""
    note_for(request).recorded = True


def will_be_recorded(request: Any) -> bool:
    """True while the access-log middleware is handling this request and will write its one entry."""
    return getattr(http_request(request), RECORDING, False)


def start_recording(request: Any) -> AccessNote:
    """Called by the middleware before the view runs."""
    setattr(http_request(request), RECORDING, True)
    return note_for(request)
