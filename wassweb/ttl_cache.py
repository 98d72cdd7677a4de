"""A per-process cache whose entries live a few seconds, for lookups every request repeats (keys, cameras).

A change in the database (a key revoked, a camera switched off) takes effect once the entry is older than its
time to live, without any message between processes. Entries are dropped on expiry and the whole cache when it
grows past its bound, so a stream of distinct keys cannot grow it without limit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from time import monotonic
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    def __init__(self, *, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if monotonic() >= expires:
            self._entries.pop(key, None)
            return None
        return value

    def put(self, key: K, value: V, *, seconds: float) -> None:
        """Keeps the value for `seconds` (none at all for 0, which turns the cache off)."""
        if seconds <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (monotonic() + seconds, value)

    def forget(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()


class Snapshot(Generic[V]):
    """A whole small table's lookups (every integration key, every camera that reads plates), loaded by one query
    and replaced when older than its time to live.

    A per-key cache misses whenever a key is used less often than its time to live: 229 centres each posting
    every few seconds against a 5-second cache meant a query on almost every request, and requests queueing for
    the connection pool. One copy of the table per process costs one query per time to live instead, made by
    the one request that finds the copy due; the others meanwhile keep using the copy it replaces, which is never
    served once older than twice the time to live (a change in the database still counts within seconds).
    """

    STALE_LIMIT = 2.0

    def __init__(self, load: Callable[[], V]) -> None:
        self._load = load
        self._value: V | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def get(self, *, seconds: float) -> V | None:
        """The current copy, loaded now if due; None when the time to live is 0 (the caller asks the database)."""
        if seconds <= 0:
            return None
        value, age = self._value, monotonic() - self._loaded_at
        if value is not None and age < seconds:
            return value
        still_usable = value is not None and age < seconds * self.STALE_LIMIT
        if not self._lock.acquire(blocking=not still_usable):
            return value  # another request is loading the next copy
        try:
            if self._value is None or monotonic() - self._loaded_at >= seconds:
                self._value = self._load()
                self._loaded_at = monotonic()
            return self._value
        finally:
            self._lock.release()

    def edit(self, change: Callable[[V], V]) -> None:
        """Replaces the current copy by change(copy), e.g. without a key this process just revoked."""
        with self._lock:
            if self._value is not None:
                self._value = change(self._value)

    def clear(self) -> None:
        with self._lock:
            self._value = None
            self._loaded_at = 0.0
