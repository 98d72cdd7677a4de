"""Gives this thread's database connection back to the pool before the request ends.

Django takes a connection from the pool at a request's first query and returns it when the request finishes.
A machine client's POST queries only when its per-process caches miss (the key, the cameras) and then spends
the rest of its time on Redis and the broker; under load, most of that time is waiting for the CPU, so
holding the connection to the end let a few hundred such requests drain a pool of ten and answer 503. Code
that knows the request needs the database no more calls this after its last query.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from channels.db import database_sync_to_async
from django.db import connection

T = TypeVar("T")


def connection_release() -> None:
    """Returns the connection to the pool now; nothing without a pool (a kept connection stays open) or inside
    a transaction."""
    if connection.connection is None or connection.in_atomic_block or not getattr(connection, "pool", None):
        return
    connection.close()


def database_read_off_thread(function: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """`function` run from async code in the event loop's thread pool (not Django's one synchronous thread),
    giving its connection back to the pool as soon as it returns.

    Channels closes old connections around each call, but its test communicator switches that off, and a thread
    of the pool that keeps a pooled connection holds one of the process's few slots for as long as it lives.
    """

    @functools.wraps(function)
    def run_and_release(*args: Any, **kwargs: Any) -> T:
        try:
            return function(*args, **kwargs)
        finally:
            connection_release()

    return database_sync_to_async(run_and_release, thread_sensitive=False)
