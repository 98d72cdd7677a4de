"""Typed readers for environment variables that fail loudly on bad values."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    raw = os.environ.get(name, default).strip().lower()
    if raw not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} must be one of: {', '.join(sorted(choices))}.")
    return raw


def env_hex(name: str, *, nbytes: int) -> str | None:
    """A key written as hex, exactly nbytes long, or None when unset."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return None
    try:
        value = bytes.fromhex(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} is not hexadecimal.") from None
    if len(value) != nbytes:
        raise ImproperlyConfigured(f"{name} must be {nbytes} bytes ({2 * nbytes} hex digits), not {len(value)}.")
    return raw


def env_postgres_url(name: str) -> str | None:
    """A PostgreSQL URL, or None when unset; anything else fails here rather than at the first query."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    if not raw.startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured(f"{name} must be a postgres:// URL.")
    return raw
