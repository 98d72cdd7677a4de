"""The access matrix: every page and API endpoint × every role → the status each must get.

Roles: anonymous, an officer, an officer of another agency, an operator, an operator of another municipality,
an auditor and an administrator. Every object requested belongs to the officer's agency and the operator's
municipality, so the "other_" columns are the wrong tenant: where an object's existence is itself sensitive
(footage requests, sightings of another area, someone else's key) they get 404, not 403.

POSTs carry an empty body: a role that may act gets 400 (or its form again) and nothing is written; a role that
may not gets 403/404 before the body is read. The test fails when an endpoint exists without a row here.
"""

from __future__ import annotations

import pytest
from django.db.models import Max
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from audit.models import AccessLogEntry
from tests.access_world import ROLES, build_world, request_cell, url_kwargs

# (method, url name[, "approved" for the footage request that has been approved]) → statuses in ROLES order:
#  anonymous, officer, other_officer, operator, other_operator, auditor, admin_user
MATRIX: dict[tuple[str, ...], tuple[int, ...]] = {
    ("GET", "home"): (302, 200, 200, 200, 200, 200, 200),
    ("GET", "login"): (200, 302, 302, 302, 302, 302, 302),
    ("POST", "login"): (200, 302, 302, 302, 302, 302, 302),
    ("GET", "logout"): (405, 405, 405, 405, 405, 405, 405),
    ("POST", "logout"): (302, 302, 302, 302, 302, 302, 302),
    ("GET", "otp-verify"): (302, 302, 302, 302, 302, 302, 302),
    ("GET", "otp-enrol"): (302, 200, 200, 200, 200, 200, 200),
    ("GET", "recovery-codes"): (302, 200, 200, 200, 200, 200, 200),
    ("POST", "recovery-codes"): (302, 200, 200, 200, 200, 200, 200),
    ("GET", "security"): (302, 200, 200, 200, 200, 200, 200),
    ("GET", "logout-everywhere"): (302, 405, 405, 405, 405, 405, 405),
    ("POST", "logout-everywhere"): (302, 302, 302, 302, 302, 302, 302),
    ("GET", "api-keys"): (302, 200, 200, 200, 200, 200, 200),
    ("POST", "api-keys"): (302, 400, 400, 400, 400, 400, 400),
    ("GET", "api-key-revoke"): (302, 405, 405, 405, 405, 405, 405),
    ("POST", "api-key-revoke"): (302, 302, 404, 404, 404, 404, 404),
    ("GET", "sightings:order-list"): (302, 200, 200, 403, 403, 403, 403),
    ("GET", "sightings:order-new"): (302, 200, 200, 403, 403, 403, 403),
    ("GET", "sightings:order-detail"): (302, 200, 200, 403, 403, 403, 403),
    ("GET", "sightings:order-renew"): (302, 405, 405, 405, 405, 405, 405),
    ("POST", "sightings:order-renew"): (302, 302, 403, 403, 403, 403, 403),
    ("GET", "sightings:order-cancel"): (302, 405, 405, 405, 405, 405, 405),
    ("POST", "sightings:order-cancel"): (302, 302, 403, 403, 403, 403, 403),
    ("GET", "sightings:order-resolve"): (302, 405, 405, 405, 405, 405, 405),
    ("POST", "sightings:order-resolve"): (302, 302, 403, 403, 403, 403, 403),
    ("GET", "sightings:lookback-settings"): (302, 404, 404, 200, 404, 404, 404),
    ("POST", "sightings:lookback-settings"): (302, 404, 404, 200, 404, 404, 404),
    ("GET", "sightings:footage-list"): (302, 200, 200, 200, 200, 403, 403),
    ("GET", "sightings:footage-new"): (302, 200, 200, 403, 403, 403, 403),
    ("GET", "sightings:footage-detail"): (302, 200, 404, 200, 404, 403, 403),
    ("GET", "sightings:footage-approve"): (302, 405, 405, 405, 405, 405, 405),
    ("POST", "sightings:footage-approve"): (302, 403, 404, 303, 404, 403, 403),
    ("POST", "sightings:footage-approve", "approved"): (302, 403, 404, 303, 404, 403, 403),
    ("GET", "sightings:footage-deny"): (302, 405, 405, 405, 405, 405, 405),
    ("POST", "sightings:footage-deny"): (302, 403, 404, 303, 404, 403, 403),
    ("POST", "sightings:footage-deny", "approved"): (302, 403, 404, 303, 404, 403, 403),
    ("GET", "sightings:live-view-new"): (302, 200, 200, 403, 403, 403, 403),
    ("POST", "sightings:live-view-new"): (302, 400, 400, 403, 403, 403, 403),
    ("GET", "sightings:live-view-detail"): (302, 200, 404, 200, 404, 403, 403),
    ("GET", "sightings:live-view-detail", "approved"): (302, 200, 404, 200, 404, 403, 403),
    ("GET", "sightings:live-view-approve"): (302, 405, 405, 405, 405, 405, 405),
    ("POST", "sightings:live-view-approve"): (302, 403, 404, 303, 404, 403, 403),
    ("GET", "sightings:live-view-deny"): (302, 405, 405, 405, 405, 405, 405),
    ("POST", "sightings:live-view-deny"): (302, 403, 404, 303, 404, 403, 403),
    ("GET", "sightings:live-view-end"): (302, 405, 405, 405, 405, 405, 405),
    ("POST", "sightings:live-view-end", "approved"): (302, 303, 404, 303, 404, 403, 403),
    ("GET", "sightings:camera-list"): (302, 404, 404, 200, 404, 404, 404),
    ("POST", "sightings:camera-list"): (302, 404, 404, 400, 404, 404, 404),
    ("GET", "sightings:camera-edit"): (302, 404, 404, 200, 404, 404, 404),
    ("POST", "sightings:camera-edit"): (302, 404, 404, 400, 404, 404, 404),
    ("GET", "sightings:camera-reading"): (302, 405, 405, 405, 405, 405, 405),
    ("POST", "sightings:camera-reading"): (302, 404, 404, 400, 404, 404, 404),
    ("GET", "sightings:camera-retire"): (302, 405, 405, 405, 405, 405, 405),
    ("POST", "sightings:camera-retire"): (302, 404, 404, 303, 404, 404, 404),
    ("GET", "audit:ledger"): (302, 403, 403, 403, 403, 200, 403),
    ("GET", "audit:ledger-entry"): (302, 403, 403, 403, 403, 200, 403),
    ("GET", "audit:ledger-csv"): (302, 403, 403, 403, 403, 200, 403),
    ("GET", "audit:access-log"): (302, 403, 403, 403, 403, 200, 403),
    ("GET", "audit:access-log-csv"): (302, 403, 403, 403, 403, 200, 403),
    ("GET", "audit:machine-traffic"): (302, 403, 403, 403, 403, 200, 403),
    ("GET", "audit:machine-traffic-csv"): (302, 403, 403, 403, 403, 200, 403),
    ("GET", "audit:person"): (302, 403, 403, 403, 403, 200, 403),
    ("GET", "audit:person-csv"): (302, 403, 403, 403, 403, 400, 403),
    ("GET", "audit:plate"): (302, 403, 403, 403, 403, 200, 403),
    ("GET", "audit:plate-csv"): (302, 403, 403, 403, 403, 400, 403),
    ("GET", "audit:order"): (302, 403, 403, 403, 403, 200, 403),
    ("GET", "audit:verify"): (302, 403, 403, 403, 403, 200, 403),
    ("GET", "audit:statistics"): (302, 403, 403, 403, 403, 200, 403),
    ("GET", "audit:anomalies"): (302, 403, 403, 403, 403, 200, 403),
    ("GET", "transparency"): (200, 200, 200, 200, 200, 200, 200),
    ("GET", "sightings"): (403, 200, 200, 200, 200, 403, 403),
    ("POST", "sightings"): (403, 405, 405, 405, 405, 405, 405),
    ("GET", "sighting"): (403, 200, 200, 200, 404, 403, 403),
    ("POST", "sighting"): (403, 405, 405, 405, 405, 405, 405),
    ("GET", "sighting-verify"): (403, 405, 405, 405, 405, 405, 405),
    ("POST", "sighting-verify"): (403, 400, 400, 403, 403, 403, 403),
    ("GET", "sighting-acknowledge"): (403, 405, 405, 405, 405, 405, 405),
    ("POST", "sighting-acknowledge"): (403, 200, 200, 403, 403, 403, 403),
    ("GET", "sighting-dispatch"): (403, 405, 405, 405, 405, 405, 405),
    ("POST", "sighting-dispatch"): (403, 400, 400, 403, 403, 403, 403),
    ("GET", "sighting-photo"): (403, 200, 200, 200, 404, 403, 403),
    ("POST", "sighting-photo"): (403, 405, 405, 405, 405, 405, 405),
    ("GET", "units"): (403, 200, 200, 403, 403, 403, 403),
    ("POST", "units"): (403, 405, 405, 405, 405, 405, 405),
    # A unit terminal's endpoints take its unit key only: a session is nobody there.
    ("GET", "unit-position"): (401, 401, 401, 401, 401, 401, 401),
    ("POST", "unit-position"): (401, 401, 401, 401, 401, 401, 401),
    ("GET", "unit-status"): (401, 401, 401, 401, 401, 401, 401),
    ("POST", "unit-status"): (401, 401, 401, 401, 401, 401, 401),
    ("GET", "unit-assignment-photo"): (401, 401, 401, 401, 401, 401, 401),
    ("POST", "unit-assignment-photo"): (401, 401, 401, 401, 401, 401, 401),
    ("GET", "sightings:unit-terminal"): (200, 200, 200, 200, 200, 200, 200),
    ("GET", "reads"): (401, 401, 401, 401, 401, 401, 401),
    ("POST", "reads"): (401, 401, 401, 401, 401, 401, 401),
    ("GET", "orders"): (403, 200, 200, 403, 403, 403, 403),
    ("POST", "orders"): (403, 400, 400, 403, 403, 403, 403),
    ("GET", "order"): (403, 200, 200, 403, 403, 403, 403),
    ("POST", "order"): (403, 405, 405, 405, 405, 405, 405),
    ("GET", "order-renew"): (403, 405, 405, 405, 405, 405, 405),
    ("POST", "order-renew"): (403, 400, 403, 403, 403, 403, 403),
    ("GET", "order-cancel"): (403, 405, 405, 405, 405, 405, 405),
    ("POST", "order-cancel"): (403, 400, 403, 403, 403, 403, 403),
    ("GET", "order-resolve"): (403, 405, 405, 405, 405, 405, 405),
    ("POST", "order-resolve"): (403, 400, 403, 403, 403, 403, 403),
    ("GET", "footage-requests"): (403, 200, 200, 200, 200, 403, 403),
    ("POST", "footage-requests"): (403, 400, 400, 403, 403, 403, 403),
    ("GET", "footage-request"): (403, 200, 404, 200, 404, 403, 403),
    ("POST", "footage-request"): (403, 405, 405, 405, 405, 405, 405),
    ("GET", "footage-request-approve"): (403, 405, 405, 405, 405, 405, 405),
    ("POST", "footage-request-approve"): (403, 403, 404, 400, 404, 403, 403),
    ("POST", "footage-request-approve", "approved"): (403, 403, 404, 409, 404, 403, 403),
    ("GET", "footage-request-deny"): (403, 405, 405, 405, 405, 405, 405),
    ("POST", "footage-request-deny"): (403, 403, 404, 400, 404, 403, 403),
    ("POST", "footage-request-deny", "approved"): (403, 403, 404, 400, 404, 403, 403),
    ("GET", "footage-list"): (403, 403, 404, 403, 404, 404, 404),
    ("GET", "footage-list", "approved"): (403, 200, 404, 403, 404, 404, 404),
    ("POST", "footage-list"): (403, 405, 405, 405, 405, 405, 405),
    ("GET", "footage-file-download"): (403, 403, 404, 403, 404, 404, 404),
    ("GET", "footage-file-download", "approved"): (403, 200, 404, 403, 404, 404, 404),
    ("POST", "footage-file-download"): (403, 405, 405, 405, 405, 405, 405),
    ("GET", "live-views"): (403, 200, 200, 200, 200, 403, 403),
    ("POST", "live-views"): (403, 400, 400, 403, 403, 403, 403),
    ("GET", "live-view"): (403, 200, 404, 200, 404, 403, 403),
    ("POST", "live-view"): (403, 405, 405, 405, 405, 405, 405),
    ("GET", "live-view-approve"): (403, 405, 405, 405, 405, 405, 405),
    ("POST", "live-view-approve"): (403, 403, 404, 200, 404, 403, 403),
    ("POST", "live-view-approve", "approved"): (403, 403, 404, 409, 404, 403, 403),
    ("GET", "live-view-deny"): (403, 405, 405, 405, 405, 405, 405),
    ("POST", "live-view-deny"): (403, 403, 404, 400, 404, 403, 403),
    ("GET", "live-view-end"): (403, 405, 405, 405, 405, 405, 405),
    ("POST", "live-view-end", "approved"): (403, 200, 404, 200, 404, 403, 403),
    ("GET", "live-view-stream"): (403, 409, 404, 403, 404, 403, 403),
    ("GET", "live-view-stream", "approved"): (403, 200, 404, 403, 404, 403, 403),
    ("POST", "live-view-stream"): (403, 405, 405, 405, 405, 405, 405),
    ("GET", "audit-disclosures"): (403, 403, 403, 403, 403, 200, 403),
    ("POST", "audit-disclosures"): (403, 403, 403, 403, 403, 405, 403),
    ("GET", "audit-verify"): (403, 403, 403, 403, 403, 200, 403),
    ("POST", "audit-verify"): (403, 403, 403, 403, 403, 405, 403),
    ("GET", "schema"): (200, 200, 200, 200, 200, 200, 200),
    ("GET", "api-docs"): (200, 200, 200, 200, 200, 200, 200),
    ("GET", "health"): (200, 200, 200, 200, 200, 200, 200),
    ("GET", "set_language"): (302, 302, 302, 302, 302, 302, 302),
    ("POST", "set_language"): (302, 302, 302, 302, 302, 302, 302),
}

# Every request by a person leaves exactly one access-log entry, except these: signing in and out and the second
# factor (recorded as security events, refusals included), and pages that show nothing about anyone.
RECORDED_AS_SECURITY_EVENTS = {
    "login",
    "logout",
    "otp-verify",
    "set_language",
    "health",
    "schema",
    "api-docs",
    "transparency",
}
OUTCOME_OF_STATUS = {
    401: AccessLogEntry.Outcome.DENIED,
    403: AccessLogEntry.Outcome.DENIED,
    404: AccessLogEntry.Outcome.NOT_FOUND,
    400: AccessLogEntry.Outcome.INVALID,
    405: AccessLogEntry.Outcome.INVALID,
    409: AccessLogEntry.Outcome.INVALID,
}

# Django's admin is covered by its own staff check (and the row below); static files and the i18n view are public.
NOT_IN_MATRIX_PREFIXES = ("admin/",)


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = ":".join(filter(None, [namespace, pattern.name]))
            yield prefix + str(pattern.pattern), name, list(pattern.pattern.converters)


PATTERNS = [entry for entry in _walk(get_resolver().url_patterns) if not entry[0].startswith(NOT_IN_MATRIX_PREFIXES)]
ROUTES = {name: (route, kwargs) for route, name, kwargs in PATTERNS}


def test_every_endpoint_has_a_row_in_the_matrix():
    missing = sorted(name for name in ROUTES if not any(key[1] == name for key in MATRIX))
    assert not missing, f"add these endpoints to the access matrix: {missing}"
    unnamed = [route for route, name, _ in PATTERNS if not name or name.endswith(":")]
    assert not unnamed, f"every URL pattern needs a name to be in the access matrix: {unnamed}"


def test_the_matrix_has_no_stale_rows():
    stale = sorted({key[1] for key in MATRIX} - set(ROUTES))
    assert not stale, f"these endpoints no longer exist: {stale}"


@pytest.fixture
def world(officer, operator, order, camera, municipality, other_officer, other_operator, other_camera):
    return build_world(officer=officer, operator=operator, order=order, camera=camera, municipality=municipality)


CELLS = [
    pytest.param(key, role, status, id=f"{' '.join(key)}-{role}")
    for key, statuses in MATRIX.items()
    for role, status in zip(ROLES, statuses, strict=True)
]


@pytest.mark.parametrize(("key", "role", "expected"), CELLS)
def test_each_role_gets_the_expected_status(request, world, key, role, expected):
    method, name, *target = key
    route, route_kwargs = ROUTES[name]
    client = Client()
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    kwargs = url_kwargs(world, route_kwargs, target[0] if target else "pending")
    last_entry = AccessLogEntry.objects.aggregate(last=Max("sequence"))["last"] or 0
    response = request_cell(client, name=name, method=method, kwargs=kwargs, api=route.startswith("api/"))
    assert response.status_code == expected, f"{method} {route} as {role}"
    if role != "anonymous" and name not in RECORDED_AS_SECURITY_EVENTS:
        entries = list(AccessLogEntry.objects.filter(sequence__gt=last_entry))
        assert len(entries) == 1, f"{method} {route} as {role} left {len(entries)} access-log entries, not one"
        assert entries[0].actor_id == request.getfixturevalue(role).pk
        assert entries[0].outcome == OUTCOME_OF_STATUS.get(expected, AccessLogEntry.Outcome.ALLOWED), (
            f"{method} {route} as {role}: {expected} recorded as {entries[0].outcome}"
        )
    if response.get("Content-Type", "").startswith("text/html"):
        assert "script-src 'self'" in response["Content-Security-Policy"]
    if response.status_code == 302 and role == "anonymous" and name not in {"logout", "set_language"}:
        assert response["Location"].startswith(reverse("login")), response["Location"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("officer", 302), ("operator", 302), ("auditor", 302), ("admin_user", 200)],
)
def test_only_administrators_reach_the_django_admin(request, db, role, expected):
    client = Client()
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("admin:index")).status_code == expected


# Pages that are public or part of signing in; everything else needs the second factor first.
SECOND_FACTOR_FREE = {"login", "logout", "otp-verify", "otp-enrol", "set_language", "health"}


def test_the_pages_free_of_the_second_factor_are_real_routes():
    assert set(ROUTES) >= SECOND_FACTOR_FREE


@pytest.mark.parametrize("name", sorted(set(ROUTES) - SECOND_FACTOR_FREE))
def test_a_password_only_session_reaches_no_page_or_api(request, settings, world, name):
    settings.OTP_REQUIRED = True
    route, route_kwargs = ROUTES[name]
    client = Client()
    client.force_login(world.officer)  # password checked, no second factor in this session
    response = client.get(reverse(name, kwargs=url_kwargs(world, route_kwargs, "approved")))
    if route.startswith("api/"):
        assert response.status_code == 403
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("otp-verify"))
