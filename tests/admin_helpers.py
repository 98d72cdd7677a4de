"""Building blocks for the admin tests: a change form's POST data, as a browser would send it."""

from __future__ import annotations

import datetime as dt
import json

from django.db import models
from django.utils import timezone


def form_data(obj: models.Model, **changes) -> dict[str, str]:
    """Every editable field of obj as the admin's form posts it (split date/time, FK ids), with changes applied.

    It is built from the model, not from the page, so it also carries fields the page shows read-only: a
    crafted POST, which is what the tests need to send.
    """
    data: dict[str, str] = {}
    for field in obj._meta.concrete_fields:
        if not field.editable or field.primary_key:
            continue
        value = changes.get(field.name, getattr(obj, field.attname))
        if isinstance(field, models.DateTimeField):
            local = timezone.localtime(value) if isinstance(value, dt.datetime) else None
            data[f"{field.name}_0"] = local.strftime("%Y-%m-%d") if local else ""
            data[f"{field.name}_1"] = local.strftime("%H:%M:%S") if local else ""
        elif isinstance(field, models.BooleanField):
            if value:
                data[field.name] = "on"
        elif isinstance(field, models.JSONField):
            data[field.name] = json.dumps(value)
        elif isinstance(field, models.FileField):
            continue
        else:
            data[field.name] = "" if value is None else str(getattr(value, "pk", value))
    return data


def inline_management(prefix: str) -> dict[str, str]:
    """An empty inline formset's management form."""
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
