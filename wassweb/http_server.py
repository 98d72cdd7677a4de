"""How daphne hands HTTP requests to the application: the body untouched, whatever its Content-Type says.

Twisted's HTTP request (daphne's WebRequest builds on it) parses every multipart/form-data POST itself, for
an `args` attribute daphne never reads, and answers a body it cannot parse with a bare `400` without a body
or Content-Type before the application sees it. API clients must get the API's error shape (docs/INGEST.md)
and people Django's page, so the parsing is left to Django and DRF, which also saves parsing every footage
upload twice. Imported by wassweb.asgi, so every daphne process that serves the project has it.
"""

from __future__ import annotations

from typing import Any

from daphne import http_protocol


class UnparsedWebRequest(http_protocol.WebRequest):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["parsePOSTFormSubmission"] = False
        super().__init__(*args, **kwargs)


# daphne's HTTPFactory looks the class up here each time it builds a connection's protocol.
http_protocol.WebRequest = UnparsedWebRequest
