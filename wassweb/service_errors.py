"""What a service raises when it refuses an operation; one handler turns each into its HTTP answer.

The API maps them in wassweb.api_errors (Conflict 409, Forbidden 403, NotFound 404); a field-by-field
refusal is Django's ValidationError (400 with the field errors). Each app names its own refusals as
subclasses, so callers can still catch the narrow case. The message is written for the person.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal by a service, with a message for the person."""


class Conflict(ServiceError):
    """The object is not in a state that allows the operation (already decided, closed, ...)."""


class Forbidden(ServiceError):
    """The person may see the object but not do this to it."""


class NotFound(ServiceError):
    """No such object, or none the person may see: the same answer for both."""


class Gone(ServiceError):
    """The object was there for a limited time and that time is over (an expired approval)."""
