"""Shared people and places for every test: one user per role, plus outsiders of another agency and municipality."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

from accounts.models import Agency, User
from sightings.models import Camera, Municipality, Province, WantedOrder
from tests.factories import camera_make, order_make

PASSWORD = "correct-horse-battery"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--require-services",
        action="store_true",
        default=os.environ.get("CI", "").lower() == "true",
        help="fail (instead of skip) tests marked 'services' when PostgreSQL or Redis is not configured or reachable",
    )


def _reachable(url: str | None, default_port: int) -> bool:
    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def services_problem() -> str | None:
    """Why the real services cannot be used, or None when both are configured and answer."""
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not database_url or not database_url.startswith(("postgres://", "postgresql://")):
        return "DATABASE_URL does not point at PostgreSQL"
    if not redis_url:
        return "REDIS_URL is not set"
    if not _reachable(database_url, 5432):
        return f"PostgreSQL at {urlparse(database_url).netloc} does not answer"
    if not _reachable(redis_url, 6379):
        return f"Redis at {urlparse(redis_url).netloc} does not answer"
    return None


def pytest_sessionstart(session: pytest.Session) -> None:
    if session.config.getoption("--require-services"):
        problem = services_problem()
        if problem:
            raise pytest.UsageError(f"--require-services: {problem}")


@pytest.fixture(autouse=True)
def _services_guard(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("services") is None:
        return
    problem = services_problem()
    if problem is None:
        return
    if request.config.getoption("--require-services"):
        pytest.fail(f"needs the real services: {problem}")
    pytest.skip(f"needs the real services: {problem}")


@pytest.fixture(autouse=True)
def _fresh_hotlist() -> None:
    """Each test compiles its own hotlist: a rolled-back test may leave the same order-event id behind."""
    from sightings.reads.ingest import hotlist_forget

    hotlist_forget()


@pytest.fixture(autouse=True, scope="session")
def _append_only_tables_flushable() -> None:
    """Transactional tests end with a flush, which is DELETE on SQLite: lift the ledger's triggers for it."""
    from django.db import connections
    from django.test import TransactionTestCase

    from audit import db_triggers

    flush = TransactionTestCase._fixture_teardown
    if getattr(flush, "lifts_append_only", False):
        return

    def _fixture_teardown(self) -> None:
        sqlite = [connections[name] for name in self._databases_names() if connections[name].vendor == "sqlite"]
        for connection in sqlite:
            db_triggers.remove(connection)
        try:
            flush(self)
        finally:
            for connection in sqlite:
                db_triggers.install(connection)

    _fixture_teardown.lifts_append_only = True
    TransactionTestCase._fixture_teardown = _fixture_teardown


@pytest.fixture
def tasks_through_the_broker():
    """Tasks go through Redis instead of running inline (set before daphne forks, so it inherits it).

    Afterwards the broker connections are closed: an in-process worker leaves a pooled connection waiting on
    a BRPOP reply, and a later fork would hang closing its copy of it (kombu closes pools after a fork).
    """
    from wassweb.celery import app as celery_app

    celery_app.conf.task_always_eager = False
    try:
        yield celery_app
    finally:
        celery_app.conf.task_always_eager = True
        release_broker_connections()


def release_broker_connections() -> None:
    """Closes every pooled broker connection of this process; the next task opens fresh ones."""
    import kombu.pools

    from wassweb.celery import app as celery_app

    celery_app.pool.force_close_all()
    kombu.pools.reset()  # the producer pools, shared per connection URL
    celery_app._after_fork()  # what Celery does in a forked child: forget the closed pools


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> None:
    """Each test gets its own channel layer object. A layer keeps receive state for the event loop that used
    it, and every test runs its own loops: a layer shared across tests can miss messages after a test ends
    mid-receive. (A server process has one loop and one layer for its whole life.)"""
    from channels.layers import channel_layers

    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _fresh_access_tallies(settings) -> None:
    """Each test counts key use and refusals from zero: counters left in Redis by an earlier test of the same
    interval would otherwise swallow this test's first refusal (audit.tallies)."""
    from audit import tallies

    tallies._local.open.clear()
    if settings.REDIS_URL and _reachable(settings.REDIS_URL, 6379):
        from wassweb.redis_client import redis_client

        client = redis_client(settings.REDIS_URL)
        keys = client.zrange(tallies.OPEN_KEY, 0, -1)
        client.delete(tallies.OPEN_KEY, *keys, *(key + b":a" for key in keys))


@pytest.fixture(autouse=True)
def _fresh_key_caches() -> None:
    """Each test looks keys and cameras up afresh: ids are reused across tests (SQLite), and a key or camera
    remembered by an earlier test (accounts.services, sightings.reads.api) would stand for another."""
    from accounts.services import api_key_cache_clear
    from sightings.reads.api import key_cameras_cache_clear

    api_key_cache_clear()
    key_cameras_cache_clear()


@pytest.fixture(autouse=True)
def _english_unless_asked(settings) -> None:
    """Requests without Accept-Language get English, the source strings the tests assert; the shipped
    default (ko) is exercised by the browser tests (a ko-KR browser) and tests/test_translations.py."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def province(db) -> Province:
    return Province.objects.create(code="11", name="서울특별시", lat=37.55, lon=126.99)


@pytest.fixture
def municipality(province: Province) -> Municipality:
    return Municipality.objects.create(
        code="11380", name="은평구", province=province, kind="자치구", lat=37.6199, lon=126.9289
    )


@pytest.fixture
def other_municipality(province: Province) -> Municipality:
    return Municipality.objects.create(
        code="11650", name="서초구", province=province, kind="자치구", lat=37.4738, lon=127.0310
    )


@pytest.fixture
def agency(db) -> Agency:
    return Agency.objects.create(code="smpa-112", name="서울경찰청 112치안종합상황실")


@pytest.fixture
def other_agency(db) -> Agency:
    return Agency.objects.create(code="ggpa-112", name="경기남부경찰청 112치안종합상황실")


def _make_user(username: str, **fields) -> User:
    user = User(username=username, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def officer(agency: Agency) -> User:
    return _make_user("officer", role=User.Role.OFFICER, agency=agency)


@pytest.fixture
def other_officer(other_agency: Agency) -> User:
    return _make_user("officer-elsewhere", role=User.Role.OFFICER, agency=other_agency)


@pytest.fixture
def operator(municipality: Municipality) -> User:
    return _make_user("operator", role=User.Role.OPERATOR, municipality=municipality)


@pytest.fixture
def other_operator(other_municipality: Municipality) -> User:
    return _make_user("operator-elsewhere", role=User.Role.OPERATOR, municipality=other_municipality)


@pytest.fixture
def auditor(db) -> User:
    return _make_user("auditor", role=User.Role.AUDITOR)


@pytest.fixture
def admin_user(db) -> User:
    return _make_user("admin", role=User.Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def camera(municipality: Municipality) -> Camera:
    return camera_make(municipality=municipality)


@pytest.fixture
def other_camera(other_municipality: Municipality) -> Camera:
    return camera_make(
        municipality=other_municipality, code="11650-C001", name="서초구 강남대로 교차로", lat=37.47, lon=127.03
    )


@pytest.fixture
def order(officer: User) -> WantedOrder:
    return order_make(issued_by=officer)


pytest_plugins = ["tests.live"]
