"""The one layer that writes the access log: exactly one entry for every request by a person.

Every page, API view and admin view runs inside this middleware, so a new endpoint is recorded without
remembering to be. The entry says who asked (person, role, agency or municipality, address), what (the kind
and id of the object, or the filter of a list, and how many objects the answer showed, as the view described
it through wassweb.access_note), and the outcome read from the answer: allowed, denied (403, a refused key, a
throttle), not found (404, which is also what another tenant's object answers), invalid input or failed.

Not recorded here: requests without a person (integration keys are tallied per interval, audit.tallies;
anonymous refusals are security events), sign-in and second-factor pages (their security events are the
record), and the paths of RECORD_EXEMPT, which show nothing about anyone. WebSocket subscriptions are recorded
by their consumer (sightings.live.consumers).

The entry is written before the answer leaves: if the access log cannot be written, the person gets a 503
rather than an answer nobody recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from accounts.models import User
from audit.models import AccessLogEntry
from wassweb import access_note

logger = logging.getLogger(__name__)

# URL names whose requests are not access-log entries of their own: the sign-in flow (recorded as security
# events, including every refusal), the language switch, health, the API schema and the public page.
RECORD_EXEMPT_URL_NAMES = frozenset(
    {
        "login",
        "logout",
        "otp-verify",
        "set_language",
        "health",
        "schema",
        "api-docs",
        "transparency",
    }
)
RECORD_EXEMPT_PREFIXES = ("/static/", "/favicon.ico", "/i18n/", "/health/")

# Query parameters that may carry a plate or free text: kept in the entry only when the answer showed
# something, so a search that matched nothing never leaves its plate in the log.
SEARCH_PARAMETERS = frozenset({"plate", "q", "search", "pattern"})
NEVER_LOGGED_PARAMETERS = frozenset({"password", "token", "key", "code", "csrfmiddlewaretoken"})

OUTCOME_REASONS = {
    401: "not signed in",
    403: "forbidden",
    404: "not found",
    405: "method not allowed",
    409: "conflict",
    429: "too many requests",
}


class AccessRecordMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _exempt(request):
            return self.get_response(request)
        note = access_note.start_recording(request)
        # Who was signed in when the request came: a request that signs the person out is still theirs.
        signed_in = getattr(request, "user", None)
        response = self.get_response(request)
        user = next((user for user in (getattr(request, "user", None), signed_in) if _is_person(user)), None)
        if user is not None and not note.recorded:
            access_entry_record(request, response, note, user=user)
        return response


def _is_person(user: Any) -> bool:
    # The session's user is a lazy object; isinstance sees through it to the User (or AnonymousUser) inside.
    return isinstance(user, User) and user.is_authenticated


def _exempt(request: HttpRequest) -> bool:
    """Decided before the view runs, so the security events of an exempt page are written as events."""
    if request.path.startswith(RECORD_EXEMPT_PREFIXES):
        return True
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.url_name in RECORD_EXEMPT_URL_NAMES


def outcome_for(status: int, note: access_note.AccessNote) -> str:
    if status < 400:
        # A refusal the answer's status does not show: a form answered again after a wrong code, the admin
        # sending a person who is not staff to its sign-in.
        return note.outcome or AccessLogEntry.Outcome.ALLOWED
    if status in (401, 403, 429):
        return AccessLogEntry.Outcome.DENIED
    if status == 404:
        return AccessLogEntry.Outcome.NOT_FOUND
    if status < 500:
        return AccessLogEntry.Outcome.INVALID
    return AccessLogEntry.Outcome.FAILED


def _default_subject(request: HttpRequest) -> tuple[str, str, str]:
    """(action, object type, object id) from the URL when the view said nothing more precise."""
    match = request.resolver_match
    if match is None:
        return request.method.lower(), "unknown", ""
    object_id = next((str(value) for value in match.kwargs.values()), "")
    url_name = match.view_name or match.url_name or "unknown"
    return request.method.lower(), url_name, object_id


def filters_for(request: HttpRequest, note: access_note.AccessNote) -> str:
    """The list filter as asked, without secrets, and without search text unless the answer showed something."""
    if note.filters:
        items = list(note.filters.items())
    else:
        items = [(key, value) for key in request.GET for value in request.GET.getlist(key)]
    showed_something = bool(note.shown) or bool(note.plate)
    kept = []
    for key, value in items:
        lowered = key.lower()
        if lowered in NEVER_LOGGED_PARAMETERS:
            continue
        if lowered in SEARCH_PARAMETERS and not showed_something:
            value = "(matched nothing)"
        kept.append(f"{key}={value}")
    return "&".join(kept)[:300]


def access_entry_record(
    request: HttpRequest, response: HttpResponse, note: access_note.AccessNote, *, user: User
) -> None:
    from audit.services import access_entry_write

    status = response.status_code
    action, object_type, object_id = _default_subject(request)
    outcome = outcome_for(status, note)
    reason = note.reason
    if not reason and outcome != AccessLogEntry.Outcome.ALLOWED:
        reason = OUTCOME_REASONS.get(status, f"status {status}")
    access_entry_write(
        request=request,
        user=user,
        action=note.action or action,
        object_type=note.object_type or object_type,
        object_id=note.object_id if note.object_type else (note.object_id or object_id),
        plate=note.plate if outcome == AccessLogEntry.Outcome.ALLOWED else "",
        shown=note.shown if outcome == AccessLogEntry.Outcome.ALLOWED else None,
        filters=filters_for(request, note),
        outcome=outcome,
        reason=reason,
    )


def person_label(user: Any, request: Any) -> str:
    """The username, and the key when a person's own API key made the request."""
    api_key = getattr(request, "auth", None)
    prefix = getattr(api_key, "prefix", None)
    return f"{user.get_username()} (key:{prefix})" if prefix else user.get_username()
