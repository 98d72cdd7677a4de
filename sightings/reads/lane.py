"""The reads API's own lane in the ASGI application: a plain batch from a municipality answered without the
middleware stack.

Two hundred and twenty-nine centres post reads as their cameras make them, most batches a few reads each, so
what one POST costs besides its reads decides how many the server takes. Through Django's stack a POST passes
fifteen middleware, most of them for people (sessions, sign-in, the second factor, CSRF, the access log), and
the stack hops between the event loop and a thread started for the request about a dozen times. This lane
answers the one case that dominates the traffic, a municipality's integration key posting a batch, in one
hop to a pooled thread, with the same functions the view uses:

- the host, the TLS redirect, the client's address and the key's networks as the stack checks them
  (Django's request, accounts.permissions, accounts.authentication.integration_key_admitted);
- the rate limit (accounts.throttles), the key-use tally, then sightings.reads.api.reads_batch_accept;
- the answer's headers from the same middleware's process_response (security headers, CSP, language).

Everything else goes the long way, through the whole stack, which answers it as it always has and records
what it records: a request with a cookie, without a bearer key, with a key the stack would refuse, a throttled
key, a body that is too large or not a batch, a queue that is down. The lane only decides "plain or not"; it
never writes a refusal of its own, so no refusal has two implementations. READS_FAST_LANE=false turns it off.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import os
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIHandler, ASGIRequest
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.locale import LocaleMiddleware
from django.middleware.security import SecurityMiddleware
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from redis.exceptions import RedisError
from rest_framework.renderers import JSONRenderer

from accounts import permissions
from accounts.authentication import integration_key_admitted, key_use_count
from accounts.models import ApiKey
from accounts.throttles import ApiKeyRateThrottle
from sightings.permissions import reads_may_submit
from sightings.reads.api import QueueUnavailable, reads_batch_accept
from sightings.reads.parse import BatchError, batch_parse
from wassweb.api_errors import ServerBusy
from wassweb.db_release import connection_release

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]

READS_PATH = "/api/v1/reads/"
# A busy answer's Retry-After: the backlog it refers to is about a second's work.
BUSY_RETRY_AFTER_SECONDS = 1


def _response_middleware() -> list[Any]:
    """The stack's middleware that add headers to every answer, innermost first as the stack applies them."""
    from csp.middleware import CSPMiddleware

    def unused(request: HttpRequest) -> HttpResponse:  # pragma: no cover - only process_response is called
        raise AssertionError

    innermost_first = (CSPMiddleware, XFrameOptionsMiddleware, LocaleMiddleware, SecurityMiddleware)
    return [middleware(unused) for middleware in innermost_first]


class ReadsLane:
    """ASGI application: POST /api/v1/reads/ from a municipality's integration answered here, everything else
    handed to `app` (Django's ASGI handler)."""

    def __init__(self, app: ASGIHandler) -> None:
        self.app = app
        # Built once like the stack's, so both read the settings of the same moment (SECURE_SSL_REDIRECT…).
        self._middleware = _response_middleware()
        self._security = next(item for item in self._middleware if isinstance(item, SecurityMiddleware))
        self._threads: ThreadPoolExecutor | None = None
        self._threads_pid = 0
        self._waiting = 0
        self._last_wait = 0.0  # seconds the latest batch to get a thread waited for it

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._candidate(scope):
            await self.app(scope, receive, send)
            return
        threads = self._pool()
        body, receive = await _body_read(receive, limit=settings.READS_MAX_BODY_BYTES)
        if body is not None and self._overloaded():
            await self.app.send_response(self._busy(scope), send)
            return
        response = None
        if body is not None:
            self._waiting += 1
            try:
                loop = asyncio.get_running_loop()
                response = await loop.run_in_executor(threads, self._answer, scope, body, time.monotonic())
            finally:
                self._waiting -= 1
        if response is None:
            await self.app(scope, receive, send)
            return
        await self.app.send_response(response, send)

    def _pool(self) -> ThreadPoolExecutor:
        """The lane's threads, started in this process.

        Threads of its own: the event loop's default pool also runs the alert sockets' reads, which must not
        queue behind a burst of batches. Started in the process that uses them: a process forked from one whose
        lane had started threads (a server forked from a loaded application) inherits a pool that counts threads
        which do not exist in it, and would queue every batch for ever.
        """
        if self._threads is None or self._threads_pid != os.getpid():
            self._threads = ThreadPoolExecutor(max_workers=settings.READS_LANE_THREADS, thread_name_prefix="reads-lane")
            self._threads_pid = os.getpid()
            self._waiting, self._last_wait = 0, 0.0
        return self._threads

    def _overloaded(self) -> bool:
        """Whether a new batch would wait too long for a thread: the latest one waited READS_LANE_MAX_WAIT_MS or
        more (the queue is not draining), or READS_LANE_BACKLOG are waiting. Such a batch is refused at once,
        rather than answered late by a server that cannot catch up; the client sends it again after
        Retry-After, and the queue drains meanwhile."""
        if self._waiting >= settings.READS_LANE_BACKLOG:
            return True
        return self._waiting > 0 and self._last_wait * 1000 >= settings.READS_LANE_MAX_WAIT_MS

    def _busy(self, scope: Scope) -> HttpResponse:
        """503 with Retry-After in the API's error shape, with the headers every answer has."""
        request = ASGIRequest(scope, io.BytesIO(b""))
        request.LANGUAGE_CODE = translation.get_language_from_request(request)
        with translation.override(request.LANGUAGE_CODE):
            response = JsonResponse({"detail": str(ServerBusy.default_detail), "errors": {}}, status=503)
            response["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
            return self._headers_added(request, response)

    @staticmethod
    def _candidate(scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != READS_PATH:
            return False
        if not settings.READS_FAST_LANE or not settings.REDIS_URL:
            return False  # without Redis the rate limit is the default cache's, kept by the stack's throttle
        has_key = False
        for name, value in scope["headers"]:
            if name == b"cookie":
                return False  # a person's session may ride along: the access log must see it
            if name == b"authorization":
                has_key = True
            elif name == b"content-length" and (not value.isdigit() or int(value) > settings.READS_MAX_BODY_BYTES):
                return False  # the stack answers 413 without reading it
        return has_key

    def _answer(self, scope: Scope, body: bytes, queued_at: float) -> HttpResponse | None:
        """The 202 for a plain batch, or None to hand the request to the stack. Runs in a pooled thread."""
        self._last_wait = time.monotonic() - queued_at
        try:
            admitted = self._admitted(scope, body)
            if admitted is None:
                return None
            request, api_key, items, received_at = admitted
            # In the stack's order: the key's use is counted when it is authenticated, before the batch.
            key_use_count(api_key, permissions.client_ip(request))
            with translation.override(request.LANGUAGE_CODE):
                try:
                    answer = reads_batch_accept(api_key, items, received_at=received_at)
                except QueueUnavailable:
                    return None  # nothing was accepted; the stack tries once more and answers 503 if it must
                return self._response(request, answer)
        except (DatabaseError, RedisError):
            # An outage: the stack meets it too and answers it as it does everywhere (503 with Retry-After).
            logger.debug("reads lane: handing a request to the stack during an outage", exc_info=True)
            return None
        except Exception:
            logger.exception("reads lane: unexpected error; the request goes through the stack")
            return None
        finally:
            connection_release()

    def _admitted(self, scope: Scope, body: bytes) -> tuple[ASGIRequest, ApiKey, list, dt.datetime] | None:
        """The request, its key, its parsed reads and when it came, when the stack would take it as it is."""
        received_at = timezone.now()
        request = ASGIRequest(scope, io.BytesIO(body))
        try:
            request.get_host()
        except DisallowedHost:
            return None
        if self._security.process_request(request) is not None:
            return None  # plain HTTP under the TLS redirect: the stack's SecurityMiddleware redirects it
        address = permissions.client_ip(request)
        api_key = integration_key_admitted(request.META.get("HTTP_AUTHORIZATION", "").encode("latin1"), address)
        if api_key is None or not reads_may_submit(api_key):
            return None
        try:
            items = batch_parse(body, max_reads=settings.READS_MAX_BATCH)
        except BatchError:
            return None
        if not ApiKeyRateThrottle().key_admitted(api_key):
            return None
        request.LANGUAGE_CODE = translation.get_language_from_request(request)
        return request, api_key, items, received_at

    def _response(self, request: HttpRequest, answer: dict) -> HttpResponse:
        response = HttpResponse(JSONRenderer().render(answer), status=202, content_type="application/json")
        response["Allow"] = "POST, OPTIONS"
        return self._headers_added(request, response)

    def _headers_added(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """What the stack's middleware add to an answer: length, security headers, CSP, language."""
        response["Content-Length"] = str(len(response.content))
        for middleware in self._middleware:
            response = middleware.process_response(request, response)
        # The stack's answer varies by the session cookie too (its session middleware); the lane's is the same.
        patch_vary_headers(response, ("Cookie",))
        return response


async def _body_read(receive: Receive, *, limit: int) -> tuple[bytes | None, Receive]:
    """The whole body, and a receive that hands the stack the same messages again. None for the body when it is
    over the limit or the client went away: the stack answers (413) or notices."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None, _replayed(chunks, message, receive)
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            break
        if size > limit:
            return None, _replayed(chunks, None, receive, more_body=True)
    body = b"".join(chunks)
    return (body if size <= limit else None), _replayed([body], None, receive)


def _replayed(chunks: list[bytes], last: dict | None, receive: Receive, *, more_body: bool = False) -> Receive:
    """A receive that gives the body read so far as one message, then `last` (if any), then the client's own."""
    pending: list[dict] = [{"type": "http.request", "body": b"".join(chunks), "more_body": more_body}]
    if last is not None:
        pending.append(last)

    async def replay() -> dict:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
