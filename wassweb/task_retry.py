"""How every Celery task that touches the database survives a dropped connection: retried with backoff.

A dropped or restarting database connection (or no connection to be had) fails a task before it commits, and the
task is tried again; one that did commit before the failure repeats nothing (a batch of reads stores nothing twice,
unique read_id + order; the periodic jobs and the look-back search are idempotent).
"""

from __future__ import annotations

from django.db import InterfaceError, OperationalError

DATABASE_ERRORS = (OperationalError, InterfaceError)
# Waits of 1, 2, 4, 8, 16, 20, 20 … seconds (with jitter), about five minutes in all. A retry waits in the worker
# that took it, unacknowledged, so each wait stays below the broker's visibility timeout (CELERY_VISIBILITY_TIMEOUT,
# 30 s): a longer one and the broker would hand the same message to another worker in the meantime.
RETRY_BACKOFF_MAX_SECONDS = 20
DATABASE_RETRY = {
    "autoretry_for": DATABASE_ERRORS,
    "retry_backoff": 1,
    "retry_backoff_max": RETRY_BACKOFF_MAX_SECONDS,
    "max_retries": 20,
}
