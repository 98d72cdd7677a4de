"""Who is on the other end of a live-alert socket: a browser session or a machine client's personal key.

Browsers bring their session cookie, so their handshake must come from an allowed Origin (no other site may
open a socket in their name). Machine clients (a 112 room system) send `Authorization: Bearer <key>` of a
personal key with the `alerts` scope; they carry no cookie, so Origin does not matter to them. A bearer
header that does not authenticate leaves the socket anonymous, whatever cookie comes with it.
"""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser

from accounts.models import ApiKey
from accounts.services import api_key_authenticate


def _bearer_token(scope: dict[str, Any]) -> str | None:
    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            text = value.decode("latin-1").strip()
            if text[:7].lower() == "bearer ":
                return text[7:].strip()
            return None
    return None


def alerts_key_owner(raw_key: str) -> tuple[ApiKey | None, Any]:
    """(the key, its person) for a usable personal key with the alerts scope, else (None, an anonymous user)."""
    api_key = api_key_authenticate(raw_key, scope=ApiKey.Scope.ALERTS)
    if api_key is None or api_key.user is None:
        # An integration key is a municipality's, not a person's: it submits reads and receives nothing.
        return None, AnonymousUser()
    return api_key, api_key.user


class BearerKeyAuthMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        token = _bearer_token(scope)
        api_key, user = await database_sync_to_async(alerts_key_owner)(token) if token else (None, AnonymousUser())
        # The key travels with the socket so the security gate can check the key's own allowed networks.
        return await self.inner(dict(scope, user=user, api_key=api_key, auth_method="bearer"), receive, send)


class AlertSocketAuth:
    """Routes a handshake with a bearer header to key authentication, any other through session + Origin."""

    def __init__(self, inner: Any) -> None:
        self.by_key = BearerKeyAuthMiddleware(inner)
        self.by_session = AllowedHostsOriginValidator(AuthMiddlewareStack(inner))

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        has_authorization = any(name == b"authorization" for name, _ in scope.get("headers") or [])
        if has_authorization:
            return await self.by_key(scope, receive, send)
        return await self.by_session(scope, receive, send)
