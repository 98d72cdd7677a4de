"""Who may come in, from where, and with which second factor. The only place the accounts app decides access."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.http import HttpRequest

from accounts.models import User
from accounts.networks import Network, address_in, client_address, parse_address, parse_networks

PEOPLE_ROLES = tuple(User.Role)


@functools.lru_cache(maxsize=64)
def _compiled(values: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(values)


def _networks(key: str) -> tuple[Network, ...]:
    return _compiled(tuple(settings.ALLOWED_NETWORKS.get(key, ())))


def client_ip(request: HttpRequest) -> str:
    """The address a request comes from; X-Forwarded-For counts only from TRUSTED_PROXIES."""
    cached = getattr(request, "_wassweb_client_ip", None)
    if cached is not None:
        return cached
    address = client_address(
        request.META.get("REMOTE_ADDR"),
        request.META.get("HTTP_X_FORWARDED_FOR"),
        _compiled(tuple(settings.TRUSTED_PROXIES)),
    )
    request._wassweb_client_ip = address
    return address


def scope_client_ip(scope: dict[str, Any]) -> str:
    """client_ip for a Channels (WebSocket) scope."""
    client = scope.get("client") or (None, None)
    # Repeated headers are one list, in order, as Django joins them into HTTP_X_FORWARDED_FOR.
    forwarded = ",".join(
        value.decode("latin-1") for name, value in scope.get("headers") or () if name.lower() == b"x-forwarded-for"
    )
    return client_address(client[0], forwarded or None, _compiled(tuple(settings.TRUSTED_PROXIES)))


def network_key_for_user(user: Any) -> str:
    """Which allow-list governs a person: their role's, and the administrators' for role-less staff."""
    role = getattr(user, "role", "")
    return role if role in PEOPLE_ROLES else User.Role.ADMIN


def _permits(address: str, networks: tuple[Network, ...]) -> bool:
    parsed = parse_address(address)
    if parsed is None:
        # No peer address (a Unix socket, a test harness): only a list that admits everyone lets it in.
        return any(network.prefixlen == 0 for network in networks)
    return address_in(parsed, networks)


def person_may_connect_from(user: Any, address: str) -> bool:
    return _permits(address, _networks(network_key_for_user(user)))


def anyone_may_connect_from(address: str) -> bool:
    """Whether any role may sign in from here: anonymous pages (the login form) are shown only there."""
    return any(_permits(address, _networks(role)) for role in PEOPLE_ROLES)


def key_networks_admit(address: str) -> bool:
    """Whether any API key may be used from here (the setting's list; a key's own list can only narrow it)."""
    return _permits(address, _networks("keys"))


def api_key_may_connect_from(api_key: Any, address: str) -> bool:
    """An integration key's own list narrows the setting's; it never widens it."""
    if not key_networks_admit(address):
        return False
    own = split_networks(getattr(api_key, "allowed_networks", "") or "")
    if not own:
        return True
    try:
        return _permits(address, _compiled(own))
    except ValueError:
        return False  # a list that does not parse admits no one


def split_networks(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.replace("\n", ",").split(",") if item.strip())


def api_key_scope_allows(api_key: Any, scope: str) -> bool:
    """A personal key of the `api` scope acts as its person on the API; other scopes serve one purpose each."""
    return api_key.scope == scope and (scope != "api" or api_key.user_id is not None)


def second_factor_required() -> bool:
    return bool(settings.OTP_REQUIRED)


def second_factor_satisfied(user: Any) -> bool:
    """A signed-in person has passed the second factor in this session (or it is not required)."""
    if not second_factor_required():
        return True
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def api_keys_manageable_by(user: Any):
    """The keys a person may see and revoke: their own, and an operator's municipality's integration keys."""
    from django.db.models import Q

    from accounts.models import ApiKey

    if not getattr(user, "is_authenticated", False):
        return ApiKey.objects.none()
    mine = Q(user=user)
    if user.role == User.Role.OPERATOR and user.municipality_id:
        # The centre's integration keys, through the operators group's object permissions.
        mine |= Q(pk__in=municipal_objects_for(user, ApiKey).values("pk"))
    return ApiKey.objects.filter(mine)


def may_create_integration_key(user: Any) -> bool:
    return getattr(user, "role", "") == User.Role.OPERATOR and bool(getattr(user, "municipality_id", None))


def personal_key_scopes(user: Any) -> list[str]:
    """Which personal keys a person may make: everyone may use the API; live alerts go to officers and operators."""
    if getattr(user, "role", "") in (User.Role.OFFICER, User.Role.OPERATOR):
        return ["api", "alerts"]
    if getattr(user, "role", "") in (User.Role.AUDITOR, User.Role.ADMIN):
        return ["api"]
    return []


# ---------------------------------------------------------------------------------------------------------
# Municipality operator groups (django-guardian). A group per municipality holds object permissions on the
# municipality's cameras, integration keys and footage requests; operators are its members.
# ---------------------------------------------------------------------------------------------------------

# The object permission each kind of municipal object gives its operators' group.
MUNICIPAL_OBJECT_PERMS = {
    "sightings.camera": "sightings.change_camera",
    "accounts.apikey": "accounts.change_apikey",
    "sightings.footagerequest": "sightings.change_footagerequest",
}
OPERATORS_GROUP_PREFIX = "municipality-"


def municipality_group_name(code: str) -> str:
    return f"{OPERATORS_GROUP_PREFIX}{code}-operators"


def municipality_group(municipality: Any):
    from django.contrib.auth.models import Group

    group, _ = Group.objects.get_or_create(name=municipality_group_name(municipality.code))
    return group


def operator_groups_sync(user: Any) -> None:
    """Makes the person a member of exactly their municipality's operators group (none unless an active operator)."""
    from django.contrib.auth.models import Group

    current = Group.objects.filter(user=user, name__startswith=OPERATORS_GROUP_PREFIX, name__endswith="-operators")
    wanted = None
    if user.role == User.Role.OPERATOR and user.municipality_id and user.is_active:
        wanted = municipality_group(user.municipality)
    stale = [group for group in current if wanted is None or group.pk != wanted.pk]
    if stale:
        user.groups.remove(*stale)
    if wanted is not None and not any(group.pk == wanted.pk for group in current):
        user.groups.add(wanted)


def _municipality_of(obj: Any):
    return getattr(obj, "municipality", None) if getattr(obj, "municipality_id", None) else None


def municipal_object_grant(obj: Any) -> None:
    """Gives the object's municipality's operators group its permission on a camera, integration key or request."""
    from guardian.shortcuts import assign_perm

    municipality = _municipality_of(obj)
    perm = MUNICIPAL_OBJECT_PERMS.get(obj._meta.label_lower)
    if municipality is None or perm is None:
        return
    assign_perm(perm, municipality_group(municipality), obj)


def municipality_grants_sync(municipality: Any, models: Iterable[type[Model]] = ()) -> int:
    """Grants the operators group its permission on every object of the municipality (after bulk loads).

    Covers integration keys and the given models: the other apps' municipal objects (cameras and footage
    requests, which sightings passes in; accounts does not import its users' apps).
    """
    from guardian.shortcuts import assign_perm, get_objects_for_group

    from accounts.models import ApiKey

    group = municipality_group(municipality)
    granted = 0
    for model in (ApiKey, *models):
        perm = MUNICIPAL_OBJECT_PERMS[model._meta.label_lower]
        have = get_objects_for_group(group, perm, klass=model, accept_global_perms=False).values("pk")
        missing = list(model.objects.filter(municipality=municipality).exclude(pk__in=have))
        if missing:
            assign_perm(perm, group, missing)
            granted += len(missing)
    return granted


def municipal_objects_for(user: Any, model: Any):
    """The municipal objects (cameras, integration keys, footage requests) the person's groups hold, in SQL."""
    from guardian.shortcuts import get_objects_for_user

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return model.objects.none()
    perm = MUNICIPAL_OBJECT_PERMS[model._meta.label_lower]
    return get_objects_for_user(
        user, perm, klass=model, use_groups=True, with_superuser=False, accept_global_perms=False
    )


def municipal_object_may_manage(user: Any, obj: Any) -> bool:
    """Whether the person's operators group holds the object's permission (an operator of its municipality)."""
    perm = MUNICIPAL_OBJECT_PERMS.get(obj._meta.label_lower)
    return bool(perm and getattr(user, "is_active", False) and not user.is_superuser and user.has_perm(perm, obj))
