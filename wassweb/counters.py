"""Counters an operator reads on /health/: events that need a person's attention, counted across processes.

Redis (REDIS_URL) when configured, so every web and worker process adds to one number; otherwise the Django
cache, which on the embedded defaults is this process's memory (the demo runs in one process). Counts are
totals since Redis (or the process) started: an operator watches them grow, not their absolute value.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache

from wassweb.redis_client import redis_client

logger = logging.getLogger(__name__)

# Reads a worker could not store for a reason retrying cannot fix (docs/INGEST.md).
READS_FAILED = "reads_failed"
COUNTERS = (READS_FAILED,)
_PREFIX = "wassweb:counter:"


def counter_add(name: str, amount: int = 1) -> None:
    """Adds to a counter; never raises, since the count must not cost the work it counts."""
    key = _PREFIX + name
    try:
        if settings.REDIS_URL:
            redis_client(settings.REDIS_URL).incrby(key, amount)
        else:
            cache.add(key, 0, timeout=None)
            cache.incr(key, amount)
    except Exception:  # noqa: BLE001 - reported, not raised: the caller's log line still tells the story
        logger.warning("counter %s could not be increased by %d", name, amount)


def counter_values() -> dict[str, int]:
    """Every counter's current total."""
    keys = [_PREFIX + name for name in COUNTERS]
    if settings.REDIS_URL:
        values = redis_client(settings.REDIS_URL).mget(keys)
    else:
        found = cache.get_many(keys)
        values = [found.get(key) for key in keys]
    return {name: int(value or 0) for name, value in zip(COUNTERS, values, strict=True)}
