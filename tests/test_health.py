import pytest
from django.urls import reverse


def test_it_reports_healthy_on_the_embedded_defaults(client, db, settings):
    settings.REDIS_URL = None
    response = client.get(reverse("health"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "worker"}


def test_it_names_redis_when_redis_does_not_answer(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("failing:")
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.services
def test_it_names_the_worker_when_no_worker_answers(client, db, tasks_through_the_broker):
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "failing: RuntimeError: no Celery worker answered"


def test_it_refuses_anything_but_get(client, db):
    assert client.post(reverse("health")).status_code == 405
