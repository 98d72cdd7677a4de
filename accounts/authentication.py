"""DRF authentication for machine clients: `Authorization: Bearer <key>`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from accounts import permissions
from accounts.models import ApiKey
from accounts.security import access_event_record
from accounts.services import api_key_lookup
from accounts.signals import key_used
from wassweb.db_release import connection_release


class IntegrationPrincipal:
    """Who a municipality's integration key acts as: not a person, holding no permission of its own."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    role = "integration"
    pk = None
    id = None
    agency = None
    agency_id = None

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key
        self.municipality = api_key.municipality
        self.municipality_id = api_key.municipality_id
        self.username = f"integration:{api_key.prefix}"

    def __str__(self) -> str:
        return self.username

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def has_perms(self, perm_list: Any, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, module: str) -> bool:
        return False


class BearerKeyAuthentication(BaseAuthentication):
    """request.user is the key's person (or an IntegrationPrincipal); request.auth is the ApiKey.

    Scope is checked by the view's permission classes, so a valid key of the wrong scope gets 403, not 401.
    """

    keyword = "bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header is Bearer followed by one key."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The API key is not valid.")) from None
        api_key = api_key_lookup(raw, note_use=False)  # the key_used signal below counts it
        if api_key is not None and api_key.user_id is None:
            # A municipality's integration: what follows until its view is Redis (tally, rate limit), so a
            # connection its key lookup took is not held meanwhile.
            connection_release()
        if api_key is None:
            access_event_record(request=request, action="key", allowed=False, obj=("apikey", raw[5:13]))
            raise exceptions.AuthenticationFailed(_("The API key is not valid, has expired or has been revoked."))
        if not permissions.api_key_may_connect_from(api_key, permissions.client_ip(request)):
            access_event_record(request=request, action="key-network", allowed=False, api_key=api_key, obj=api_key)
            raise exceptions.PermissionDenied(_("This key may not be used from this network."))
        self.check_scope(request, api_key)
        # Every use of a key is in the audit trail, counted per key and interval (audit.tallies, through
        # audit's receiver): one chained row per interval instead of one per request under the chain lock.
        key_use_count(api_key, permissions.client_ip(request))
        principal = api_key.user if api_key.user_id is not None else IntegrationPrincipal(api_key)
        return principal, api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'

    def check_scope(self, request: Request, api_key: ApiKey) -> None:
        """Views that take any key check its scope in their permission classes."""


def integration_key_admitted(authorization: bytes, address: str) -> ApiKey | None:
    """The municipality's integration key in an Authorization header that BearerKeyAuthentication would accept
    from this address, or None for anything else (no key, a person's key, an unknown, revoked or expired one,
    another network). Records and counts nothing: a caller that gets None hands the request to the full
    authentication, which answers and records the refusal once."""
    header = authorization.split()
    if len(header) != 2 or header[0].lower() != BearerKeyAuthentication.keyword.encode():
        return None
    try:
        raw = header[1].decode("ascii")
    except UnicodeDecodeError:
        return None
    api_key = api_key_lookup(raw, note_use=False)
    if api_key is None or api_key.user_id is not None:
        return None
    if not permissions.api_key_may_connect_from(api_key, address):
        return None
    return api_key


def key_use_count(api_key: ApiKey, address: str) -> None:
    """Counts one use of the key into its tally (audit.tallies), as an authenticated request does."""
    key_used.send(sender=BearerKeyAuthentication, api_key=api_key, address=address)


class PersonalKeyAuthentication(BearerKeyAuthentication):
    """The default for the API: a person's own key with the `api` scope acts as that person.

    A key of another scope (an integration's reads key, an alerts-only key) is refused with 403 here, so an
    endpoint never has to remember to check the scope itself.
    """

    def check_scope(self, request: Request, api_key: ApiKey) -> None:
        if not permissions.api_key_scope_allows(api_key, ApiKey.Scope.API):
            access_event_record(request=request, action="key-scope", allowed=False, api_key=api_key, obj=api_key)
            raise exceptions.PermissionDenied(_("This key's scope does not allow this endpoint."))


class UnitKeyAuthentication(BearerKeyAuthentication):
    """A patrol unit's terminal: a key of the `unit` scope, acting as its person for its one unit.

    The unit endpoints take nothing else (a session or another key's scope is refused), and the default
    PersonalKeyAuthentication refuses a unit key everywhere else: the key opens the unit's own endpoints only.
    """

    def check_scope(self, request: Request, api_key: ApiKey) -> None:
        if api_key.scope != ApiKey.Scope.UNIT or api_key.unit_id is None or api_key.user_id is None:
            access_event_record(request=request, action="key-scope", allowed=False, api_key=api_key, obj=api_key)
            raise exceptions.PermissionDenied(_("Only a patrol unit's own key (scope unit) may use this endpoint."))


class SessionOrKeyAuthentication(SessionAuthentication):
    """The API's session authentication, which challenges a request that came with a bearer key.

    DRF answers a failed authentication with 401 only when its first authentication class names a challenge;
    the session names none, so a revoked or expired key would get 403 on the people's API and 401 on the
    reads API. A request that brought a key is told to bring a valid one: 401 on every endpoint.
    """

    def authenticate_header(self, request: Request) -> str | None:
        header = get_authorization_header(request).split()
        if header and header[0].lower() == BearerKeyAuthentication.keyword.encode():
            return 'Bearer realm="api"'
        return None


class BearerKeySchema(OpenApiAuthenticationExtension):
    """Documents the bearer key in /api/schema/: any scope, as the reads and alerts endpoints take it."""

    target_class = BearerKeyAuthentication
    name = "bearerKey"
    description = "An API key `wass_<prefix>_<secret>` made with `manage.py create_api_key`."

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": self.description}


class PersonalKeySchema(BearerKeySchema):
    """The same header for the rest of the API, where only a person's own key with the `api` scope is taken."""

    target_class = PersonalKeyAuthentication
    name = "personalKey"
    description = (
        "A person's own API key (`manage.py create_api_key --user <username>`, scope `api`): the API acts as "
        "that person, with their role and permissions."
    )


class UnitKeySchema(BearerKeySchema):
    """The same header on the unit terminal's endpoints, where only the unit's own key is taken."""

    target_class = UnitKeyAuthentication
    name = "unitKey"
    description = (
        "A patrol unit terminal's key (`manage.py create_api_key --user <username> --unit <call sign>`, scope "
        "`unit`): it reports and receives for that one unit only."
    )


class SessionOrKeySessionSchema(SessionScheme):
    """The session cookie in /api/schema/, as for DRF's own session authentication."""

    target_class = SessionOrKeyAuthentication


# Who may read /api/schema/ and /api/docs/: anyone the separated network's gate lets in (accounts.middleware),
# people and machines alike. The schema describes the public interface and holds no data, and each
# integration's developers need it with the key they have, whatever its scope. Credentials that are sent are
# still checked: a session or a key of any scope is authenticated (a key only from its own networks, its use
# logged), and an unknown, expired or revoked key is refused with 401 rather than ignored.
# The key's class comes first: DRF takes the first class's WWW-Authenticate, and without one a 401 turns 403.
SCHEMA_AUTHENTICATION = [BearerKeyAuthentication, SessionAuthentication]
SCHEMA_PERMISSIONS = [AllowAny]
