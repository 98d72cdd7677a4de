"""Gives this thread's database connection back to the pool before the request ends.

Django takes a connection from the pool at a request's first query and returns it when the request finishes.
A machine client's POST queries only when its per-process caches miss (the key, the cameras) and then spends
the rest of its time on Redis and the broker; under load, most of that time is waiting for the CPU, so
holding the connection to the end let a few hundred such requests drain a pool of ten and answer 503. Code
that knows the request needs the database no more calls this after its last query.
"""

from __future__ import annotations

from django.db import connection


def connection_release() -> None:
    """Returns the connection to the pool now; nothing without a pool (a kept connection stays open) or inside
    a transaction."""
    if connection.connection is None or connection.in_atomic_block or not getattr(connection, "pool", None):
        return
    connection.close()
