"""The API's contract beyond single endpoints: one error shape for every unreadable body, and who reads the schema."""

from __future__ import annotations

import http.client
import json
import re
import urllib.parse
import uuid

import pytest
from django.test import Client

from accounts.services import api_key_create, api_key_revoke
from tests.factories import integration_key_make

SCHEMA = "/api/schema/?format=json"


# --- Who reads the schema -----------------------------------------------------------------------------------


@pytest.fixture
def keys(municipality, officer) -> dict[str, str]:
    return {
        "integration": integration_key_make(municipality=municipality),
        "personal": api_key_create(name="laptop", user=officer)[1],
        "alerts": api_key_create(name="112 room", user=officer, scope="alerts")[1],
    }


def test_the_schema_is_served_to_anonymous_callers_on_an_allowed_network(client, db):
    response = client.get(SCHEMA)
    assert response.status_code == 200
    assert "/api/v1/reads/" in response.json()["paths"]


def test_the_schema_is_served_to_a_signed_in_person(client, officer):
    client.force_login(officer)
    assert client.get(SCHEMA).status_code == 200


@pytest.mark.parametrize("kind", ["integration", "personal", "alerts"])
def test_the_schema_is_served_to_every_valid_key(client, keys, kind):
    response = client.get(SCHEMA, HTTP_AUTHORIZATION=f"Bearer {keys[kind]}")
    assert response.status_code == 200
    assert "/api/v1/reads/" in response.json()["paths"]


def test_the_docs_page_is_served_to_an_integration_key(client, keys):
    assert client.get("/api/docs/", HTTP_AUTHORIZATION=f"Bearer {keys['integration']}").status_code == 200


def test_a_revoked_key_is_refused_the_schema_rather_than_ignored(client, municipality):
    api_key, raw = api_key_create(name="old platform", municipality=municipality)
    api_key_revoke(api_key=api_key)
    response = client.get(SCHEMA, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "errors"}


def test_the_schema_is_refused_outside_the_allowed_networks(client, db, settings):
    settings.ALLOWED_NETWORKS = {role: ["10.20.0.0/16"] for role in settings.ALLOWED_NETWORKS}
    response = client.get(SCHEMA, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 403
    assert "paths" not in response.json()


# --- Unreadable bodies get the API's error shape --------------------------------------------------------------


def test_a_request_django_refuses_before_any_view_gets_the_error_shape(client, db):
    response = client.post("/api/v1/orders/", {}, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail", "errors"}


def test_a_page_refused_before_any_view_keeps_the_html_answer(client, db):
    response = client.get("/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def _post_operations() -> list[str]:
    schema = Client().get(SCHEMA, HTTP_HOST="127.0.0.1").json()
    return [
        re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        for path, operations in schema["paths"].items()
        if "post" in operations
    ]


def _raw_post(url: str, path: str, *, key: str, content_type: str, body: bytes) -> tuple[int, str, bytes]:
    parts = urllib.parse.urlparse(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(
            "POST", path, body=body, headers={"Authorization": f"Bearer {key}", "Content-Type": content_type}
        )
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b""),
        ("multipart/form-data", b"--x\r\n"),
        ("multipart/form-data; boundary=", b"--x\r\n"),
        ("multipart/form-data; boundary=x", b"--x\r\nno headers and no end"),
    ],
)
def test_every_post_operation_answers_an_unreadable_multipart_body_with_the_error_shape(
    live_daphne, municipality, officer, camera, content_type, body
):
    """Through the web server itself: daphne's HTTP layer must hand the body on, not answer an empty 400."""
    integration = integration_key_make(municipality=municipality)
    personal = api_key_create(name="laptop", user=officer)[1]
    paths = _post_operations()
    assert "/api/v1/reads/" in paths and len(paths) >= 5
    for path in paths:
        key = integration if path == "/api/v1/reads/" else personal
        status, answered_type, content = _raw_post(live_daphne.url, path, key=key, content_type=content_type, body=body)
        assert 400 <= status < 500, (path, status, content)
        assert answered_type == "application/json", (path, status, answered_type, content)
        assert set(json.loads(content)) == {"detail", "errors"}, (path, content)
