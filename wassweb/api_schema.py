"""The error answers every API operation can give, added to the OpenAPI schema in one place.

Each view documents its success and any error it treats specially; the rest follow from the project's
plumbing (wassweb.api_errors gives them one shape) and are the same everywhere: bad input (400), no or bad
credentials (401), a role or tenant that may not (403), an id that is unknown or not the caller's to see
(404), an action the object's state refuses (409), and a backing service briefly away (503).
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

ERROR_COMPONENT = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every API error: a message, and messages by field name for invalid input.",
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {},
            "description": "Messages by field name (lists of strings, nested for items of a list).",
        },
    },
    "required": ["detail", "errors"],
}

_DESCRIPTIONS = {
    "400": "The input is not valid; `errors` names each field.",
    "401": "Not signed in, or the key is unknown, expired or revoked.",
    "403": "Signed in, but this role, agency or municipality may not do this.",
    "404": "No such object, or not one the caller may see (or, on a list, an unreadable page cursor).",
    "409": "The object's current state does not allow this (e.g. already decided or closed).",
    "503": "A service the request needs is briefly unavailable; send the same request again.",
}
_PATH_PARAMETER = re.compile(r"\{[^}]+\}")
_BODY_METHODS = {"post", "put", "patch"}


def _codes_for(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    codes = ["401", "403", "503"]
    has_query = any(parameter.get("in") == "query" for parameter in operation.get("parameters", []))
    if method in _BODY_METHODS or has_query:
        codes.append("400")
    if _PATH_PARAMETER.search(path):
        codes.append("404")
        if method in _BODY_METHODS:
            codes.append("409")
    elif any(parameter.get("name") == "cursor" for parameter in operation.get("parameters", [])):
        codes.append("404")  # DRF's cursor pagination answers an unreadable cursor with 404
    return codes


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: documents the shared error answers of every /api/v1/ operation."""
    error_ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code in _codes_for(path, method, operation):
                response = responses.setdefault(code, {"description": _DESCRIPTIONS[code]})
                response.setdefault("content", {"application/json": {"schema": error_ref}})
    return result


def cursor_page(serializer_class: type[serializers.BaseSerializer], *, name: str) -> serializers.Serializer:
    """The documented shape of one CursorPagination page of `serializer_class` items."""
    return inline_serializer(
        name=name,
        fields={
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last."),
            "previous": serializers.URLField(allow_null=True, help_text="The previous page, or null on the first."),
            "results": serializer_class(many=True),
        },
    )
