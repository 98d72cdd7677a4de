"""One error shape for the whole API: {"detail": ..., "errors": {...}} with a 4xx status.

Services refuse with the exceptions of wassweb.service_errors, or Django's ValidationError for bad fields; they
are mapped to their answers here, once, so API views call a service without a try/except of their own.

A backing service that is briefly away (Redis restarting, the database connection dropped) is a 503 with
Retry-After, never a 500: the client sends the same request again and, the reads API being idempotent on
read ids, nothing is lost or counted twice.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import page_not_found
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from wassweb import service_errors
from wassweb.access_note import describe

logger = logging.getLogger(__name__)

OUTAGES = (RedisConnectionError, RedisTimeoutError, BrokerError, DatabaseOperationalError, DatabaseInterfaceError)
RETRY_AFTER_SECONDS = 5


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("A service this request needs is briefly unavailable. Send the same request again shortly.")
    default_code = "service_unavailable"


class ServerBusy(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The server has more requests waiting than it can answer now. Send the same request again.")
    default_code = "server_busy"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The object is not in a state that allows this.")
    default_code = "conflict"


class Gone(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_detail = _("This was available for a limited time, and that time is over.")
    default_code = "gone"


def api_exception_from_service(exc: Exception) -> Exception:
    """The API exception for a service's refusal; any other exception unchanged."""
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, service_errors.Conflict):
        return Conflict(str(exc))
    if isinstance(exc, service_errors.Forbidden):
        return exceptions.PermissionDenied(str(exc))
    if isinstance(exc, service_errors.NotFound):
        return exceptions.NotFound(str(exc))
    if isinstance(exc, service_errors.Gone):
        return Gone(str(exc))
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    outage = isinstance(exc, OUTAGES)
    if outage:
        logger.warning("answering 503: %s: %s", type(exc).__name__, exc)
        exc = ServiceUnavailable()
    exc = api_exception_from_service(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.PermissionDenied | exceptions.NotFound | exceptions.Throttled):
        # The refusal's own words go to the access log with the request's entry.
        if context.get("request") is not None:
            describe(context["request"], reason=str(exc.detail))
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"detail": "The request is not valid; see errors.", "errors": errors}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        response.data = {"detail": str(detail), "errors": {}}
    if response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE and "Retry-After" not in response:
        # Every 503 tells the client when to try again (a queue down, an outage), as DESIGN's API promises.
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if outage:
        response._has_been_logged = True  # the warning above is its one line; Django adds no ERROR line
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: what Django refuses before any view runs (a Host not allowed, a body it cannot read) answers
    API clients in the API's JSON error shape too, and people with the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(_("The request could not be read.")), "errors": {}}, status=400)
    return django_bad_request(request, exception)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: API clients get the API's JSON error for an unknown URL (e.g. a malformed id), people the page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(_("Not found.")), "errors": {}}, status=404)
    return page_not_found(request, exception)
