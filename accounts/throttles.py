"""Rate limits for machine clients, counted per API key."""

from __future__ import annotations

import functools
import math
from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiKey
from accounts.security import access_event_record
from wassweb.redis_client import redis_client

KEY_PREFIX = "wassweb:throttle:"

# A sliding window estimated from two fixed windows (the current one and the one before it), in one round
# trip and a few bytes per key: the earlier window's count weighs by how much of it still overlaps the
# sliding window. A refused request is not counted, so a client that keeps knocking is let in as soon as its
# estimate falls below the limit. KEYS: current window, previous window. ARGV: limit, the previous window's
# weight (0..1), seconds the current window's counter is kept. Returns {1 if allowed, previous, current}.
_SLIDING_WINDOW_SCRIPT = """
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if previous * tonumber(ARGV[2]) + current >= tonumber(ARGV[1]) then
    return {0, previous, current}
end
current = redis.call('INCR', KEYS[1])
if current == 1 then
    redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return {1, previous, current}
"""


@functools.cache
def _sliding_window_script(url: str):
    return redis_client(url).register_script(_SLIDING_WINDOW_SCRIPT)


def seconds_until_allowed(*, limit: int, duration: int, elapsed: float, previous: int, current: int) -> float:
    """When a refused key's estimate (previous weighted by what is left of it, plus current) drops below the
    limit if it sends nothing more."""
    if current < limit:
        if previous <= 0:
            return 0.0
        # previous * (1 - t / duration) + current < limit, for t counted from the current window's start
        return max(0.0, duration * (1 - (limit - current) / previous) - elapsed)
    # Not before the current window has become the previous one.
    return (duration - elapsed) + duration * (1 - limit / current)


class ApiKeyRateThrottle(SimpleRateThrottle):
    """READS_RATE_LIMIT requests per key (its prefix identifies it); over it the client gets 429 + Retry-After.

    Counted in Redis when REDIS_URL is set, through the process's shared client (one round trip, no client
    built per request), so every web process shares the count; in the default cache otherwise (DRF's own
    list of request times). A refused request is recorded like any refusal: the first per key and interval in
    the access log, the rest counted into one tally.
    """

    scope = "reads"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return None  # not a key client: authentication has already refused it
        return self.cache_format % {"scope": self.scope, "ident": api_key.prefix}

    def allow_request(self, request: Any, view: Any) -> bool:
        allowed = self._allow_in_redis(request, view) if settings.REDIS_URL else super().allow_request(request, view)
        if allowed:
            return True
        access_event_record(request=request, action="throttled", allowed=False, api_key=request.auth, obj=request.auth)
        return False

    def _allow_in_redis(self, request: Any, view: Any) -> bool:
        return self.key_admitted(request.auth)

    def key_admitted(self, api_key: Any) -> bool:
        """Counts one request of the key and tells whether it is within the limit (Redis only; a refused
        request is not counted). Records nothing: allow_request records a refusal."""
        if self.rate is None or not isinstance(api_key, ApiKey):
            return True
        key = self.cache_format % {"scope": self.scope, "ident": api_key.prefix}
        now = self.timer()
        window, elapsed = divmod(now, self.duration)
        window = int(window)
        allowed, previous, current = _sliding_window_script(settings.REDIS_URL)(
            keys=[f"{KEY_PREFIX}{key}:{window}", f"{KEY_PREFIX}{key}:{window - 1}"],
            args=[self.num_requests, 1 - elapsed / self.duration, 2 * self.duration],
        )
        if allowed:
            return True
        self._wait = seconds_until_allowed(
            limit=self.num_requests, duration=self.duration, elapsed=elapsed, previous=previous, current=current
        )
        return False

    def wait(self) -> float | None:
        if not settings.REDIS_URL:
            return super().wait()
        # Retry-After is whole seconds: never tell a client to come back at once and be refused again.
        return max(1, math.ceil(getattr(self, "_wait", self.duration)))
