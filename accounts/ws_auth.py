"""Who is on the other end of a socket: a browser session or a personal key (live alerts, a patrol unit's terminal).

Browsers bring their session cookie, so their handshake must come from an allowed Origin (no other site may
open a socket in their name). Machine clients (a 112 room system) send `Authorization: Bearer <key>` of a
personal key with the `alerts` scope; they carry no cookie, so Origin does not matter to them. A bearer
header that does not authenticate leaves the socket anonymous, whatever cookie comes with it.

A patrol unit's terminal (/ws/units/) brings its unit key the same way; a phone's browser, which cannot set
headers on a socket, offers it as the subprotocol `bearer.<key>` beside `wassweb.units` (the consumer accepts
only the latter, so the key is never echoed back). The path says which scope the key must have.
"""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser

from accounts.models import ApiKey
from accounts.services import api_key_authenticate

KEY_SUBPROTOCOL_PREFIX = "bearer."
UNITS_PATH = "/ws/units/"


def _subprotocol_token(scope: dict[str, Any]) -> str | None:
    for offered in scope.get("subprotocols") or []:
        if offered.startswith(KEY_SUBPROTOCOL_PREFIX):
            return offered[len(KEY_SUBPROTOCOL_PREFIX) :]
    return None


def _bearer_token(scope: dict[str, Any]) -> str | None:
    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            text = value.decode("latin-1").strip()
            if text[:7].lower() == "bearer ":
                return text[7:].strip()
            return None
    return _subprotocol_token(scope)


def alerts_key_owner(raw_key: str) -> tuple[ApiKey | None, Any]:
    """(the key, its person) for a usable personal key with the alerts scope, else (None, an anonymous user)."""
    api_key = api_key_authenticate(raw_key, scope=ApiKey.Scope.ALERTS)
    if api_key is None or api_key.user is None:
        # An integration key is a municipality's, not a person's: it submits reads and receives nothing.
        return None, AnonymousUser()
    return api_key, api_key.user


def unit_key_owner(raw_key: str) -> tuple[ApiKey | None, Any]:
    """(the key, its person) for a usable unit key, else (None, an anonymous user)."""
    api_key = api_key_authenticate(raw_key, scope=ApiKey.Scope.UNIT)
    if api_key is None or api_key.user is None or api_key.unit_id is None:
        return None, AnonymousUser()
    return api_key, api_key.user


class BearerKeyAuthMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        token = _bearer_token(scope)
        owner = unit_key_owner if scope.get("path", "").startswith(UNITS_PATH) else alerts_key_owner
        api_key, user = await database_sync_to_async(owner)(token) if token else (None, AnonymousUser())
        # The key travels with the socket so the security gate can check the key's own allowed networks.
        return await self.inner(dict(scope, user=user, api_key=api_key, auth_method="bearer"), receive, send)


class AlertSocketAuth:
    """Routes a handshake with a bearer header to key authentication, any other through session + Origin."""

    def __init__(self, inner: Any) -> None:
        self.by_key = BearerKeyAuthMiddleware(inner)
        self.by_session = AllowedHostsOriginValidator(AuthMiddlewareStack(inner))

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        has_authorization = any(name == b"authorization" for name, _ in scope.get("headers") or [])
        if has_authorization or _subprotocol_token(scope) is not None:
            return await self.by_key(scope, receive, send)
        return await self.by_session(scope, receive, send)
