"""Liveness of the parts a request depends on, for load balancers and operators."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wassweb.celery import app as celery_app
from wassweb.counters import counter_values


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not configured (in-process channel layer and eager tasks)"
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _worker() -> str:
    if celery_app.conf.task_always_eager:
        return "ok (tasks run in the web process)"
    replies = celery_app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no Celery worker answered")
    return f"ok ({len(replies)} worker{'s' if len(replies) != 1 else ''})"


CHECKS = {"database": _database, "redis": _redis, "worker": _worker}


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 when the database, Redis and a worker answer; 503 naming what failed otherwise. Counters ride along."""
    results: dict[str, str] = {}
    healthy = True
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 — any failure of a dependency is reported, not raised
            healthy = False
            results[name] = f"failing: {type(exc).__name__}: {exc}"[:200]
    body: dict[str, object] = {"status": "ok" if healthy else "failing", "checks": results}
    # Work that was refused for good (e.g. a read no worker could store): not a failure of the service, so it
    # does not turn the answer into 503, but an operator watching /health/ sees it grow.
    try:
        body["counters"] = counter_values()
    except Exception as exc:  # noqa: BLE001 - Redis failing is already named under checks
        body["counters"] = f"unavailable: {type(exc).__name__}"
    return JsonResponse(body, status=200 if healthy else 503)
