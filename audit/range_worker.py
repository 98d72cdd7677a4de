"""The worker side of audit.parallel_verify, importable before Django is set up.

A spawned worker imports this module to find its functions; it may import no model until start() has run
django.setup(), so everything Django is imported inside the functions.
"""

from __future__ import annotations

from typing import Any


def start(database: dict[str, Any]) -> None:
    """Sets up Django on the parent's database (a test database included), with one plain connection per
    worker instead of a pool: spawned, not forked, as the parent's pool threads and locks do not survive a fork."""
    import django
    from django.conf import settings

    django.setup()
    default = settings.DATABASES["default"]
    default.update(database)
    default["OPTIONS"] = {key: value for key, value in default.get("OPTIONS", {}).items() if key != "pool"}


def verify_range(model_label: str, first: int, last: int, corrections: dict[int, str]) -> Any:
    """The chain.Verdict of sequences first..last of one stored chain."""
    from django.apps import apps
    from django.db import connections

    from audit.ledger import verify_stored

    try:
        return verify_stored(apps.get_model(model_label), first=first, last=last, corrections=corrections)
    finally:
        connections.close_all()
