"""The separated network and the second factor for WebSocket connections (the HTTP side is accounts.middleware)."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from accounts import permissions
from accounts.security import access_event_record


def _session_verified(scope: dict[str, Any], user: Any) -> bool:
    session = scope.get("session")
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id, for_verify=False)
    return device is not None and device.user_id == user.pk and device.confirmed


def socket_refusal(scope: dict[str, Any]) -> str | None:
    """Why this socket may not open (written to the access log), or None to let it through."""
    user = scope.get("user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None  # the consumer turns anonymous sockets away itself
    address = permissions.scope_client_ip(scope)
    if scope.get("auth_method") == "bearer":
        api_key = scope.get("api_key")
        if permissions.api_key_may_connect_from(api_key, address):
            return None
        reason = "key-network"
    elif not permissions.person_may_connect_from(user, address):
        reason = "network"
    elif permissions.second_factor_required() and not _session_verified(scope, user):
        reason = "second-factor"
    else:
        return None
    request = _SocketRequest(scope, address)
    access_event_record(request=request, action=f"socket-{reason}", allowed=False, user=user, obj=("socket", ""))
    return reason


class _SocketRequest:
    """Just enough of a request for the access log: where the socket came from and its path."""

    def __init__(self, scope: dict[str, Any], address: str) -> None:
        self.path = scope.get("path", "")
        self.META = {"REMOTE_ADDR": address}
        self._wassweb_client_ip = address

    def get_full_path(self) -> str:
        return self.path


class SocketSecurityGate:
    """Sits inside the socket authentication, so it sees who the socket is, and closes refused ones at once."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and await database_sync_to_async(socket_refusal)(scope):
            return await WebsocketDenier.as_asgi()(scope, receive, send)
        return await self.inner(scope, receive, send)
