"""A live daphne server (HTTP + WebSocket) and headless Chromium for end-to-end tests."""

from __future__ import annotations

import gc
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from channels.testing.live import make_application
from daphne.testing import DaphneProcess
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from tests.conftest import release_broker_connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DAPHNE_START_SECONDS = 60
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


@dataclass
class LiveServer:
    url: str
    ws_url: str


def _forget_inherited_connections() -> None:
    # The child is forked with the parent's open database sockets; closing them would end the parent's
    # session, so drop them and let the child open its own to the same test database.
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.connection = None
        # The same for a connection pool: its worker threads did not survive the fork and its idle connections are
        # the parent's. Kept referenced, never closed, so nothing is sent on the parent's sockets.
        pools = getattr(type(connection), "_connection_pools", None)
        if pools:
            _inherited_pools.extend(pools.values())
            pools.clear()


_inherited_pools: list = []


@pytest.fixture
def live_daphne(transactional_db, settings) -> Iterator[LiveServer]:
    """Daphne in a child process serving the test database; each test gets its own."""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    process = DaphneProcess(
        "127.0.0.1",
        partial(make_application, static_wrapper=ASGIStaticFilesHandler),
        setup=_forget_inherited_connections,
    )
    # The fork copies every open broker socket and kombu closes them in the child: close ours first, so that
    # no copy is left mid-command (a child waiting for a reply its parent already read never starts).
    release_broker_connections()
    # Late in the suite the test process is large, and a forked child whose collector walks what it inherited
    # touches, and so copies, every page of it: fresh servers then answered nothing for tens of seconds. Objects
    # frozen before the fork are never scanned by the child's collector (the gc module's advice for fork).
    gc.freeze()
    try:
        process.start()
    finally:
        gc.unfreeze()
    # A busy two-core machine can take a while to fork and import, but not this long: fail fast, not at the
    # suite's per-test timeout, and never leave the child behind.
    deadline = time.monotonic() + DAPHNE_START_SECONDS
    while not process.ready.wait(timeout=1):
        if not process.is_alive():
            error = process.errors.get(timeout=1) if not process.errors.empty() else ("unknown", "")
            raise RuntimeError(f"daphne did not start: {error[0]}\n{error[1]}")
        if time.monotonic() > deadline:
            process.kill()
            process.join(5)
            raise RuntimeError(f"daphne did not start listening within {DAPHNE_START_SECONDS} s")
    port = process.port.value
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", ws_url=f"ws://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join(5)


def _browser_problem() -> str | None:
    if not shutil.which(CHROMIUM):
        return f"{CHROMIUM} is not installed (make browser-deps)"
    return None


@pytest.fixture
def chromium():
    problem = _browser_problem()
    if problem:
        if os.environ.get("WASSWEB_REQUIRE_BROWSER") or os.environ.get("CI", "").lower() == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    # Playwright's sync API runs an event loop in this thread while the browser is open; the test's own
    # ORM calls are still plain synchronous code, so Django must not refuse them meanwhile.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def new_page(chromium):
    """Opens pages in fresh browser contexts (separate sessions) and closes them after the test."""
    contexts = []

    def open_page(locale: str = "ko-KR"):
        context = chromium.new_context(locale=locale, viewport={"width": 1400, "height": 900})
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, server: LiveServer, username: str, password: str) -> None:
    page.goto(f"{server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
