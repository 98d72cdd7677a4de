"""Every API operation fuzzed from the project's own OpenAPI schema (/api/schema/) with schemathesis.

Each operation is called with the credentials its users have (an officer's, operator's or auditor's session,
the municipality's integration key for the reads API); ids in paths point at real objects most of the time,
so the fuzzing reaches past the 404. Passing means: never a 5xx, and every answer (status code, content type,
body) is one the schema documents. Bounded and derandomized, so a run is repeatable and takes a minute or two.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sightings.models import FootageFile
from tests.factories import footage_request_make, integration_key_make
from tests.sightings.footage.helpers import make_sighting
from tests.sightings.live_views.helpers import live_view_make, urgent_order_make, video_server_make

CSRF_SECRET = "reliabilityfuzzcsrfsecret0123456"  # 32 characters, the unmasked form Django accepts
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = 20


@dataclass
class Credentials:
    sessions: dict[str, str]
    integration_key: str
    ids: dict[str, str]


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.fixture
def credentials(db, officer, operator, auditor, municipality, camera, order) -> Credentials:
    sighting = make_sighting(order, camera)
    request = footage_request_make(order=order, camera=camera, requested_by=officer, sighting=sighting)
    footage = FootageFile.objects.filter(request=request).first()
    ids = {
        "order_id": str(order.id),
        "sighting_id": str(sighting.id),
        "request_id": str(request.id),
    }
    if footage is not None:
        ids["file_id"] = str(footage.id)
    # A live view waiting for the centre (approve/deny/end reach the service), of an urgent order with a video server.
    video_server_make(municipality)
    ids["view_id"] = str(live_view_make(officer=officer, order=urgent_order_make(officer), camera=camera).id)
    return Credentials(
        sessions={
            "officer": _session_cookie(officer),
            "operator": _session_cookie(operator),
            "auditor": _session_cookie(auditor),
        },
        integration_key=integration_key_make(municipality=municipality),
        ids=ids,
    )


# Loaded from the app's own /api/schema/ when the module is collected, so each operation is its own test.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


@pytest.fixture(autouse=True)
def _keep_the_test_transaction_open(db):
    """As Django's test client does: a request must not close the connection holding the test's transaction."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def _role_for(path: str) -> str:
    if path.startswith("/api/v1/audit/"):
        return "auditor"
    if path.startswith(("/api/v1/footage-requests/", "/api/v1/live-views/")) and path.endswith(("/approve/", "/deny/")):
        return "operator"
    return "officer"


def _auth_for(path: str, credentials: Credentials) -> dict[str, dict[str, str]]:
    """Headers and cookies of the caller who uses this operation."""
    if path.startswith("/api/v1/reads/"):
        return {"headers": {"Authorization": f"Bearer {credentials.integration_key}"}}
    return {
        "headers": {"X-CSRFToken": CSRF_SECRET},
        "cookies": {"sessionid": credentials.sessions[_role_for(path)], "csrftoken": CSRF_SECRET},
    }


def _point_at_real_objects(case, credentials: Credentials) -> None:
    """Well-formed ids in the path become ids of real objects, so the operation gets past the lookup."""
    for name, value in list((case.path_parameters or {}).items()):
        if name not in credentials.ids:
            continue
        try:
            uuid.UUID(str(value))
        except ValueError:
            continue
        case.path_parameters[name] = credentials.ids[name]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented_and_never_with_a_server_error(case, credentials):
    _point_at_real_objects(case, credentials)
    case.call_and_validate(**_auth_for(case.operation.path, credentials), checks=CHECKS)
