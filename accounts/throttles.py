"""Rate limits for machine clients, counted per API key."""

from __future__ import annotations

from typing import Any

from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiKey
from accounts.security import access_event_record


class ApiKeyRateThrottle(SimpleRateThrottle):
    """READS_RATE_LIMIT requests per key (its prefix identifies it); over it the client gets 429 + Retry-After.

    Counted in the default cache, which is Redis when REDIS_URL is set, so every web process shares the count.
    A refused request is recorded like any refusal: the first per key and interval in the access log, the
    rest counted into one tally.
    """

    scope = "reads"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return None  # not a key client: authentication has already refused it
        return self.cache_format % {"scope": self.scope, "ident": api_key.prefix}

    def allow_request(self, request: Any, view: Any) -> bool:
        if super().allow_request(request, view):
            return True
        access_event_record(request=request, action="throttled", allowed=False, api_key=request.auth, obj=request.auth)
        return False
