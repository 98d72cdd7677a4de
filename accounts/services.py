"""Writes for the accounts app: API keys."""

from __future__ import annotations

import copy
import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.keys import key_generate, key_split, secret_matches
from accounts.models import ApiKey, User
from wassweb.ttl_cache import Snapshot

if TYPE_CHECKING:
    from sightings.models import Municipality, PatrolUnit

INTEGRATION_KEY_DAYS = 365
PERSONAL_KEY_DAYS = 90
# last_used_at is a hint for people reviewing keys, not an audit trail: one write a minute per key at most.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _integration_keys_load() -> dict[str, ApiKey]:
    """Every integration key that could be usable, by prefix (a few hundred rows: one per centre and platform)."""
    keys = ApiKey.objects.select_related("municipality").filter(
        user__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
    return {api_key.prefix: api_key for api_key in keys}


# Integration keys by prefix, reloaded every KEY_CACHE_SECONDS (api_key_lookup).
_integration_keys: Snapshot[dict[str, ApiKey]] = Snapshot(_integration_keys_load)


class ApiKeyError(ValueError):
    """A key cannot be made as asked; the message says why."""


@transaction.atomic
def api_key_create(
    *,
    name: str,
    municipality: Municipality | None = None,
    user: User | None = None,
    unit: PatrolUnit | None = None,
    scope: str | None = None,
    expires_at: dt.datetime | None = None,
    allowed_networks: str = "",
) -> tuple[ApiKey, str]:
    """A new key for a municipality's integration (scope reads) or a person (scope api or alerts), or a patrol
    unit's terminal (scope unit: a key of an officer of the unit's agency, bound to the unit).

    Returns the stored key and the raw key text, which exists nowhere else: show it once.
    """
    if (municipality is None) == (user is None):
        raise ApiKeyError("a key belongs to exactly one municipality or one person")
    if municipality is not None:
        scope = scope or ApiKey.Scope.READS
        if scope != ApiKey.Scope.READS:
            raise ApiKeyError("an integration key has the reads scope")
    else:
        scope = scope or (ApiKey.Scope.UNIT if unit is not None else ApiKey.Scope.API)
        if scope not in (ApiKey.Scope.API, ApiKey.Scope.ALERTS, ApiKey.Scope.UNIT):
            raise ApiKeyError("a personal key has the api, alerts or unit scope")
        if not user.is_active:
            raise ApiKeyError(f"{user.username} is not active")
    if (scope == ApiKey.Scope.UNIT) != (unit is not None):
        raise ApiKeyError("a key of the unit scope names one patrol unit, and only such a key does")
    if unit is not None and not (user.role == User.Role.OFFICER and user.agency_id == unit.agency_id):
        raise ApiKeyError(f"a unit key belongs to an officer of {unit.call_sign}'s agency")
    name = name.strip()
    if not name:
        raise ApiKeyError("a key needs a label")
    now = timezone.now()
    if expires_at is None:
        days = INTEGRATION_KEY_DAYS if municipality is not None else PERSONAL_KEY_DAYS
        expires_at = now + dt.timedelta(days=days)
    elif expires_at <= now:
        raise ApiKeyError("the expiry must be in the future")
    for _attempt in range(5):
        new_key = key_generate()
        try:
            with transaction.atomic():
                api_key = ApiKey.objects.create(
                    name=name,
                    prefix=new_key.prefix,
                    secret_hash=new_key.secret_hash,
                    scope=scope,
                    municipality=municipality,
                    user=user,
                    unit=unit,
                    expires_at=expires_at,
                    allowed_networks=allowed_networks,
                )
        except IntegrityError:  # the random prefix is taken; draw another
            continue
        return api_key, new_key.raw
    raise ApiKeyError("could not find a free key prefix")


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Stops the key working from now on (other processes within KEY_CACHE_SECONDS); revoking twice keeps the first
    time."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=api_key.revoked_at)
    _integration_keys.edit(lambda keys: {prefix: key for prefix, key in keys.items() if prefix != api_key.prefix})
    return api_key


def api_key_lookup(raw: str, *, note_use: bool = True) -> ApiKey | None:
    """The usable key (not revoked, not expired, owner active) that the text is, whatever its scope.

    Municipalities' integration keys are held as one copy per process, reloaded every KEY_CACHE_SECONDS
    (revoking a key takes effect within seconds in every process, at once in the one that revoked it), so their
    POSTs need no SQL; a person's key is looked up every time, its owner's state mattering at once.

    note_use=False: the caller counts the use in the key-use tally, whose sealing writes last_used_at
    (audit.tallies), so the request itself writes nothing.
    """
    parts = key_split(raw)
    if parts is None:
        return None
    prefix, secret = parts
    known = _integration_keys.get(seconds=settings.KEY_CACHE_SECONDS)
    api_key = known.get(prefix) if known is not None else None
    cached = api_key is not None
    if not cached:
        api_key = ApiKey.objects.select_related("municipality", "user").filter(prefix=prefix).first()
    if api_key is None or not secret_matches(secret, api_key.secret_hash):
        return None
    now = timezone.now()
    if not api_key.is_usable(now) or (api_key.user is not None and not api_key.user.is_active):
        return None
    if note_use and (api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION):
        ApiKey.objects.filter(pk=api_key.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        api_key.last_used_at = now
    # Each request gets its own copy of a remembered key, so nothing one request sets on it reaches another.
    return copy.copy(api_key) if cached else api_key


def api_key_cache_clear() -> None:
    """Forgets every remembered key (tests; a process that must see a change at once)."""
    _integration_keys.clear()


def api_key_authenticate(raw: str, *, scope: str) -> ApiKey | None:
    """The usable key the text is, if it has the given scope; None for anything else."""
    api_key = api_key_lookup(raw)
    if api_key is None or api_key.scope != scope:
        return None
    return api_key
