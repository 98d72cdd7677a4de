"""Nothing lost: every task that touches the database retries on connection errors; a killed worker's batch
comes back within seconds."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError

from wassweb.celery import app

# Tasks that touch no database; every other task of the project's apps does.
WITHOUT_DATABASE = {"wassweb.health_ping"}


def project_tasks() -> list:
    app.loader.import_default_modules()
    return [
        task
        for name, task in sorted(app.tasks.items())
        if name.startswith(("sightings.", "audit.", "wassweb.")) and name not in WITHOUT_DATABASE
    ]


def test_the_project_has_tasks_to_check():
    names = {task.name for task in project_tasks()}
    assert {"sightings.reads_match", "sightings.order_lookback_search", "audit.tallies_flush"} <= names


@pytest.mark.parametrize("task", project_tasks(), ids=lambda task: task.name)
def test_every_database_task_retries_on_connection_errors_with_bounded_backoff(task):
    assert set(task.autoretry_for) >= {OperationalError, InterfaceError}
    assert task.retry_backoff
    assert 0 < task.max_retries <= 20
    # A retry waits in the worker, unacknowledged: never as long as the broker's visibility timeout, or the broker
    # would hand the same message to a second worker in the meantime.
    assert task.retry_backoff_max < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]


def test_a_lookback_search_that_meets_a_dropped_connection_is_done_on_the_next_try(db):
    from sightings.tasks import order_lookback_search

    refused = OperationalError("FATAL: sorry, too many clients already")
    with mock.patch("sightings.orders.services.order_lookback_search", side_effect=[refused, ["a hit"]]) as search:
        result = order_lookback_search.apply(args=("order-id",), throw=False)
    assert search.call_count == 2
    assert result.get() == 1


def test_a_killed_workers_batch_comes_back_within_seconds():
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    # Handed out again 30 s after it was taken, found by a sweep every 5 s (every sweep scans: throttle 1).
    assert options["visibility_timeout"] == 30
    assert options["unacked_restore_interval"] == 5
    assert options["unacked_restore_throttle"] == 1
