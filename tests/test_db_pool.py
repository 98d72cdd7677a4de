"""Each process holds a bounded pool of PostgreSQL connections; waiting for one ends in 503 with Retry-After."""

from __future__ import annotations

import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connections
from django.test import Client
from psycopg_pool import PoolTimeout

from accounts.services import api_key_create
from tests.settings_process import settings_loaded

ROOT = Path(__file__).resolve().parent.parent
LIVE_POOL_SIZE = 4
LIVE_APPLICATION_NAME = "wassweb-pool-bound-test"


def in_another_thread(work: Callable[[], Any]) -> Any:
    """Runs work in a thread of its own, which gets its own database connection, as a request thread does."""

    def run() -> Any:
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(run).result()


def pool_options_set(**options: Any) -> dict:
    """Replaces the default database's options (the process's pool is made anew from them); returns the old."""
    connection = connections["default"]
    saved = dict(connection.settings_dict["OPTIONS"])
    connection.close()
    connection.close_pool()
    connection.settings_dict["OPTIONS"].update(options)
    return saved


def pool_options_restore(saved: dict) -> None:
    connection = connections["default"]
    connection.close()
    connection.close_pool()
    connection.settings_dict["OPTIONS"].clear()
    connection.settings_dict["OPTIONS"].update(saved)


def settings_with(code: str, **env: str) -> subprocess.CompletedProcess:
    """Loads the settings in a fresh interpreter with these environment variables, then runs code on them."""
    return settings_loaded(code, drop=lambda name: name.startswith(("DATABASE_", "DB_")), WASSWEB_MODE="test", **env)


def test_the_pool_is_bounded_as_configured_beside_the_urls_own_options():
    result = settings_with(
        "d = s.DATABASES['default']\n"
        "assert d['CONN_MAX_AGE'] == 0 and d['CONN_HEALTH_CHECKS'], d\n"
        "assert d['OPTIONS'] == {'sslmode': 'require', 'application_name': 'web-1',"
        " 'pool': {'min_size': 1, 'max_size': 7, 'timeout': 2, 'max_waiting': 14}}, d",
        DATABASE_URL="postgres://app@db:5432/wassweb?sslmode=require&application_name=web-1",
        DB_POOL_MAX_SIZE="7",
        DB_POOL_MIN_SIZE="1",
        DB_POOL_TIMEOUT="2",
    )
    assert result.returncode == 0, result.stderr


def test_no_pool_keeps_a_connection_per_thread_for_its_max_age():
    result = settings_with(
        "d = s.DATABASES['default']\nassert 'pool' not in d.get('OPTIONS', {}) and d['CONN_MAX_AGE'] == 60, d",
        DATABASE_URL="postgres://app@pgbouncer:6432/wassweb",
        DB_POOL_MAX_SIZE="0",
    )
    assert result.returncode == 0, result.stderr


def test_the_demo_keeps_sqlite_without_a_pool():
    result = settings_with("assert s.DATABASES['default']['ENGINE'].endswith('sqlite3'), s.DATABASES")
    assert result.returncode == 0, result.stderr


@pytest.fixture
def pool_of_one(transactional_db) -> Iterator[None]:
    """A pool of one connection that a request waits half a second for."""
    saved = pool_options_set(pool={"min_size": 0, "max_size": 1, "timeout": 0.5})
    yield
    pool_options_restore(saved)


@pytest.mark.services
def test_each_process_has_a_bounded_pool(db):
    connection = connections["default"]
    assert connection.settings_dict["CONN_MAX_AGE"] == 0
    assert connection.settings_dict["OPTIONS"]["pool"] == {
        "min_size": settings.DB_POOL_MIN_SIZE,
        "max_size": settings.DB_POOL_MAX_SIZE,
        "timeout": settings.DB_POOL_TIMEOUT,
        "max_waiting": settings.DB_POOL_MAX_WAITING,
    }
    assert (settings.DB_POOL_MIN_SIZE, settings.DB_POOL_MAX_SIZE, settings.DB_POOL_TIMEOUT) == (2, 10, 3)
    connection.ensure_connection()
    assert connection.pool.max_size == settings.DB_POOL_MAX_SIZE


@pytest.mark.services
def test_a_pool_timeout_reaches_the_code_as_a_database_operational_error(pool_of_one):
    connections["default"].ensure_connection()  # this thread holds the only connection

    def connect() -> BaseException | None:
        try:
            connections["default"].ensure_connection()
        except OperationalError as error:
            return error
        return None

    error = in_another_thread(connect)
    assert isinstance(error, OperationalError)
    assert isinstance(error.__cause__, PoolTimeout)


@pytest.mark.services
def test_an_api_request_that_waits_too_long_for_a_connection_answers_503(pool_of_one, officer):
    _, raw = api_key_create(name="laptop", user=officer)  # a person's key: looked up in the database every time
    client = Client(raise_request_exception=False)
    response = in_another_thread(lambda: client.get("/api/v1/orders/", HTTP_AUTHORIZATION=f"Bearer {raw}"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert set(response.json()) == {"detail", "errors"}


@pytest.mark.services
def test_a_page_that_waits_too_long_for_a_connection_answers_503(pool_of_one, officer):
    client = Client(raise_request_exception=False)
    client.force_login(officer)
    for path in ("/orders/", "/api/v1/orders/"):  # the session is loaded by a middleware, before any view
        response = in_another_thread(lambda path=path: client.get(path))
        assert response.status_code == 503, path
        assert response["Retry-After"] == "5"
    # Once a connection is free again, the same page is served.
    connections["default"].close()
    assert in_another_thread(lambda: client.get("/orders/")).status_code == 200


@pytest.mark.services
def test_a_prefork_worker_process_uses_one_plain_connection_instead_of_the_pool(db, monkeypatch):
    from wassweb import celery

    settings_dict = connections["default"].settings_dict
    options = settings_dict["OPTIONS"]
    saved, saved_max_age = dict(options), settings_dict["CONN_MAX_AGE"]
    try:
        celery.worker_database_without_pool()  # in the process that loaded the app (solo, threads): kept
        assert connections["default"].pool is not None
        monkeypatch.setattr(celery, "_LOADED_IN_PID", -1)  # a forked child
        celery.worker_database_without_pool()
        assert "pool" not in options
        assert connections["default"].pool is None
        # Kept between batches, not opened anew for each one.
        assert settings_dict["CONN_MAX_AGE"] == settings.DB_CONN_MAX_AGE == 60
    finally:
        options.update(saved)
        settings_dict["CONN_MAX_AGE"] = saved_max_age


@pytest.fixture
def pool_of_four(transactional_db) -> Iterator[int]:
    """The live server's pool: four connections, named so pg_stat_activity can count them.

    The test process keeps the pool it already has (made from the old options); the server, forked after this,
    makes its own from these (tests.live drops the inherited one).
    """
    connections["default"].ensure_connection()
    options = connections["default"].settings_dict["OPTIONS"]
    saved = dict(options)
    options.update(
        pool={"min_size": 0, "max_size": LIVE_POOL_SIZE, "timeout": 3, "max_waiting": 2 * LIVE_POOL_SIZE},
        application_name=LIVE_APPLICATION_NAME,
    )
    yield LIVE_POOL_SIZE
    options.clear()
    options.update(saved)


def server_connections_counted(stop: threading.Event, peaks: list[int]) -> None:
    """Counts the live server's connections until stopped, from a connection of its own."""
    params = connections["default"].get_connection_params()
    params.update(application_name="wassweb-pool-bound-sampler", autocommit=True)
    with psycopg.connect(**params) as sampler:
        while not stop.is_set():
            (count,) = sampler.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [LIVE_APPLICATION_NAME]
            ).fetchone()
            peaks.append(count)
            stop.wait(0.005)


@pytest.mark.services
def test_200_concurrent_requests_hold_no_more_connections_than_the_pool(pool_of_four, live_daphne, officer):
    _, raw = api_key_create(name="laptop", user=officer)

    def get_orders(_: int) -> tuple[int, str | None] | str:
        request = urllib.request.Request(  # noqa: S310 - our own server
            f"{live_daphne.url}/api/v1/orders/", headers={"Authorization": f"Bearer {raw}"}
        )
        try:
            # Generous: late in the full suite a freshly forked test server has stalled for tens of seconds before
            # its first answer (not understood yet); asserted is that every request is answered, 200 or 503 with
            # Retry-After, and that the pool bounds the connections.
            with urllib.request.urlopen(request, timeout=180) as response:  # noqa: S310 - our own server
                return response.status, response.headers.get("Retry-After")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Retry-After")
        except OSError as error:  # refused, reset, timed out: what the pool exists to prevent
            return f"{type(error).__name__}: {error}"

    stop, peaks = threading.Event(), []
    sampler = threading.Thread(target=server_connections_counted, args=(stop, peaks))
    sampler.start()
    try:
        with ThreadPoolExecutor(max_workers=200) as executor:
            answers = list(executor.map(get_orders, range(200)))
    finally:
        stop.set()
        sampler.join()

    failures = [answer for answer in answers if isinstance(answer, str)]
    assert failures == []
    statuses = [status for status, _ in answers]
    assert all(200 <= status < 300 or (status == 503 and retry) for status, retry in answers), sorted(set(statuses))
    assert statuses.count(200) > 0
    assert 1 <= max(peaks) <= pool_of_four
