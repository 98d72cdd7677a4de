"""Query counts every person's request shares, for the tests that pin a page's cost."""

from __future__ import annotations

from django.db import connection


def access_log_queries() -> int:
    """The request's access-log entry: savepoint, chain head, insert, release, and the chain lock on PostgreSQL."""
    return 4 + (connection.vendor == "postgresql")
