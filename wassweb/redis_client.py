"""The project's own Redis client (read ids, the alert announcement lock, the benchmarks' queue readings).

One client, and so one connection pool, per process and URL; redis-py's pool notices a fork and starts
afresh in the child. Celery and the channel layer keep their own connections.
"""

from __future__ import annotations

import functools

import redis


@functools.cache
def redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)
