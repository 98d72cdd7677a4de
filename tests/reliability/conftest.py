"""Fixtures for the fault-injection tests: a world with one wanted order, and the real process stack."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from accounts.models import ApiKey
from accounts.services import api_key_create
from tests.factories import integration_key_make
from tests.reliability.harness import AlertListener, Stack


@dataclass
class World:
    integration_key: str
    alerts_key: str


@pytest.fixture
def world(transactional_db, municipality, camera, order, officer) -> World:
    return World(
        integration_key=integration_key_make(municipality=municipality),
        alerts_key=api_key_create(user=officer, name="112 room system", scope=ApiKey.Scope.ALERTS)[1],
    )


@pytest.fixture
def stack(transactional_db, tmp_path) -> Iterator[Callable[..., Stack]]:
    """Starts a private Redis and daphne (and, on request, workers) with the given extra environment."""
    stacks: list[Stack] = []

    def start(*, workers: int = 1, **env: str) -> Stack:
        running = Stack(tmp_path, **env)
        stacks.append(running)
        running.start_redis()
        running.start_web()
        for _ in range(workers):
            running.start_worker()
        return running

    yield start
    for running in stacks:
        running.stop()
        # Shown by pytest only when the test failed.
        print(running.logs())


@pytest.fixture
def listeners() -> Iterator[Callable[[str, str], AlertListener]]:
    started: list[AlertListener] = []

    def listen(ws_url: str, key: str) -> AlertListener:
        listener = AlertListener(ws_url, key).start()
        started.append(listener)
        return listener

    yield listen
    for listener in started:
        listener.stop()
