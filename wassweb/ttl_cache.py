"""A per-process cache whose entries live a few seconds, for lookups every request repeats (keys, cameras).

A change in the database (a key revoked, a camera switched off) takes effect once the entry is older than its
time to live, without any message between processes. Entries are dropped on expiry and the whole cache when it
grows past its bound, so a stream of distinct keys cannot grow it without limit.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
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
