"""A database outage anywhere in a request is a 503 with Retry-After: JSON under /api/, a plain page elsewhere."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client

# The session is loaded by the security gate (a middleware), before any view: an outage there used to be a 500.
SESSION_LOAD = "django.contrib.sessions.backends.db.SessionStore.load"


def client_with_a_session() -> Client:
    client = Client(raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = "a" * 32
    return client


@pytest.fixture
def database_away():
    with mock.patch(SESSION_LOAD, side_effect=OperationalError("couldn't get a connection after 3.00 sec")):
        yield


def test_a_page_answers_503_with_retry_after(db, database_away):
    response = client_with_a_session().get("/orders/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    assert b"try again in a few seconds" in response.content


def test_the_api_answers_503_in_its_error_shape(db, database_away):
    response = client_with_a_session().get("/api/v1/orders/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "detail": "A service this request needs is briefly unavailable. Send the same request again shortly.",
        "errors": {},
    }


def test_any_other_error_is_still_a_500(db):
    with mock.patch(SESSION_LOAD, side_effect=ValueError("a bug, not an outage")):
        response = client_with_a_session().get("/orders/")
    assert response.status_code == 500
    assert not response.has_header("Retry-After")


def test_a_request_without_an_outage_is_untouched(db):
    response = Client().get("/login/")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/orders/", "/api/v1/orders/"])
def test_an_outage_is_logged_as_one_line_without_a_traceback(db, database_away, caplog, path):
    with caplog.at_level("INFO"):
        assert client_with_a_session().get(path).status_code == 503
    logged = [record.getMessage() for record in caplog.records if record.levelno >= 30]
    assert len(logged) == 1, logged  # one line, whichever layer answered
    assert "answering 503" in logged[0] and "couldn't get a connection" in logged[0]
    assert not any(record.exc_info for record in caplog.records)


def test_a_bug_is_still_logged_with_its_traceback(db, caplog):
    with mock.patch(SESSION_LOAD, side_effect=ValueError("a bug, not an outage")), caplog.at_level("INFO"):
        client_with_a_session().get("/orders/")
    assert any(record.exc_info and isinstance(record.exc_info[1], ValueError) for record in caplog.records)
