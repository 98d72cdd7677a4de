"""What every person meets: unknown API paths answer in the API's JSON, a favicon, a refusal logged in one line."""

from __future__ import annotations

import logging

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v1/orders/not-a-uuid/", "/api/nothing"])
def test_an_unknown_api_path_answers_json_404(client, officer, path):
    client.force_login(officer)
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found.", "errors": {}}


@pytest.mark.django_db
def test_an_unknown_page_is_still_a_page(client, officer):
    client.force_login(officer)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_every_page_links_the_shipped_favicon(client):
    page = client.get(reverse("login")).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    path = finders.find("favicon.svg")
    assert path and open(path, encoding="utf-8").read().startswith("<svg")  # noqa: SIM115, PTH123


@pytest.mark.django_db
def test_an_expected_refusal_is_logged_in_one_line(client, operator, caplog):
    client.force_login(operator)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(reverse("sightings:order-list")).status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /orders/"
    assert record.exc_info is None and "Traceback" not in caplog.text
