"""Query counts every person's request shares, for the tests that pin a page's cost."""

from __future__ import annotations

from django.db import connection


def access_log_queries() -> int:
    """The request's access-log entry: savepoint, chain head, insert, the three counts the anomaly scans read (the
    person's hour, the subject and the order looked at: audit.access_counts), release, and the chain lock on
    PostgreSQL."""
    return 7 + (connection.vendor == "postgresql")
