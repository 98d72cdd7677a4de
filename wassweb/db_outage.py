"""A database that cannot be reached, or no free connection in the pool, is a 503 with Retry-After, never a 500.

The API's own handler (wassweb.api_errors) answers what DRF views raise. Everything else (a page, a session
loaded by a middleware, the security gate's access-log write) reaches Django's handler, which turns it into a
500 inside the layer that raised it, before any outer middleware sees the exception. So a receiver of
got_request_exception marks the request with the outage, and this middleware, first in MIDDLEWARE, replaces
that 500 with a 503: the API's JSON error shape under /api/, a plain page (no template, no database) elsewhere.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

from wassweb.api_errors import RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)

DATABASE_OUTAGES = (OperationalError, InterfaceError)
_OUTAGE_MARK = "_wassweb_database_outage"


@receiver(got_request_exception)
def database_outage_mark(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Sent from inside Django's exception handling, so sys.exc_info() is the exception being answered."""
    exception = sys.exc_info()[1]
    if request is not None and isinstance(exception, DATABASE_OUTAGES):
        setattr(request, _OUTAGE_MARK, exception)


def database_outage_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        message = _("A service this request needs is briefly unavailable. Send the same request again shortly.")
        response: HttpResponse = JsonResponse({"detail": message, "errors": {}}, status=503)
    else:
        title = _("Briefly unavailable")
        message = _("The database is busy or briefly unreachable. Please try again in a few seconds.")
        response = HttpResponse(
            f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
            f"<body><h1>{escape(title)}</h1><p>{escape(message)}</p></body></html>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class OutageLoggedOnce(logging.Filter):
    """For django.request: drops the record of a 500 whose cause was a database outage (the 503 is logged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DATABASE_OUTAGES))


_outage_logged_once = OutageLoggedOnce()


def response_mark_logged(response: HttpResponse) -> HttpResponse:
    """Tells Django the answer was logged already, so it writes no "Service Unavailable" line of its own."""
    response._has_been_logged = True  # what django.utils.log.log_response checks
    return response


class DatabaseOutageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        logging.getLogger("django.request").addFilter(_outage_logged_once)  # the same filter once, however often

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        outage = getattr(request, _OUTAGE_MARK, None)
        if outage is not None and response.status_code >= 500:
            logger.warning("answering 503 to %s: %s: %s", request.path, type(outage).__name__, outage)
            return response_mark_logged(database_outage_response(request))
        return response
