from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts.networks import parse_networks


def validate_networks(value: str) -> None:
    try:
        parse_networks(item for item in value.replace("\n", ",").split(",") if item.strip())
    except ValueError as error:
        raise ValidationError(str(error)) from None


class Agency(models.Model):
    """A police unit whose officers issue wanted orders."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("police agency")
        verbose_name_plural = _("police agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    _SESSION_HASH_SALT = "accounts.User.get_session_auth_hash"

    class Role(models.TextChoices):
        OFFICER = "officer", _("Police officer")
        OPERATOR = "operator", _("Municipal centre operator")
        AUDITOR = "auditor", _("Privacy auditor")
        ADMIN = "admin", _("System administrator")

    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.PROTECT, related_name="officers"
    )
    municipality = models.ForeignKey(
        "sightings.Municipality",
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="operators",
    )
    # Part of every session's hash: changing it ends all of the person's sessions ("log out everywhere").
    session_salt = models.CharField(max_length=32, blank=True, default="", editable=False)

    class Meta:
        constraints = [
            # Officers act for exactly one agency, operators for exactly one municipality.
            models.CheckConstraint(
                name="accounts_user_officer_has_agency",
                condition=~Q(role="officer") | Q(agency__isnull=False, municipality__isnull=True),
            ),
            models.CheckConstraint(
                name="accounts_user_operator_has_municipality",
                condition=~Q(role="operator") | Q(municipality__isnull=False, agency__isnull=True),
            ),
        ]

    def get_session_auth_hash(self) -> str:
        return salted_hmac(self._SESSION_HASH_SALT, self.password + self.session_salt, algorithm="sha256").hexdigest()

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield salted_hmac(
                self._SESSION_HASH_SALT, self.password + self.session_salt, secret=secret, algorithm="sha256"
            ).hexdigest()

    @property
    def is_officer(self) -> bool:
        return self.role == self.Role.OFFICER

    @property
    def is_operator(self) -> bool:
        return self.role == self.Role.OPERATOR

    @property
    def is_auditor(self) -> bool:
        return self.role == self.Role.AUDITOR


class ApiKeyChangeRefused(ValueError):
    """A change that would revive or re-scope an API key; the message says which."""


# Fixed when a key is made: changing any of them would make an existing key do something it was not made for.
API_KEY_FIXED_FIELDS = ("prefix", "secret_hash", "scope", "municipality", "user", "unit", "allowed_networks")


def _api_key_changes_refused(stored: dict[str, Any], wanted: dict[str, Any]) -> str | None:
    """Why changing a key's stored values to the wanted ones is refused, or None when it is allowed.

    Both map field attnames to values and hold only the fields being written. Revoking, shortening the
    expiry and relabelling are allowed; anything that would bring a key back or widen it is not.
    """
    for name in API_KEY_FIXED_FIELDS:
        attname = f"{name}_id" if name in ("municipality", "user", "unit") else name
        if attname in wanted and wanted[attname] != stored[attname]:
            return f"an API key's {name} is fixed when it is made"
    if "revoked_at" in wanted and stored["revoked_at"] is not None and wanted["revoked_at"] != stored["revoked_at"]:
        return "a revoked API key stays revoked, at the time it was revoked"
    if "expires_at" in wanted and (wanted["expires_at"] is None or wanted["expires_at"] > stored["expires_at"]):
        return "an API key's expiry can be brought forward, never extended (make a new key instead)"
    return None


class ApiKeyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        """Bulk updates obey the same rule as save(): no key is revived or re-scoped this way either."""
        guarded = {"revoked_at", "expires_at", *API_KEY_FIXED_FIELDS, "municipality_id", "user_id", "unit_id"}
        if guarded.intersection(kwargs):
            wanted = {ApiKey._meta.get_field(name).attname: value for name, value in kwargs.items() if name in guarded}
            if any(hasattr(value, "resolve_expression") for value in wanted.values()):
                raise ApiKeyChangeRefused("an API key's guarded fields take plain values, not expressions")
            for stored in self.values(*{*wanted, "revoked_at", "expires_at"}):
                reason = _api_key_changes_refused(stored, wanted)
                if reason:
                    raise ApiKeyChangeRefused(reason)
        return super().update(**kwargs)


class ApiKey(models.Model):
    """A credential for a machine client: an integration (one municipality) or a person's own key.

    Only a SHA-256 of the secret is kept; the full key is shown once when it is made. Keys are long
    random strings, so a fast hash is enough and lets every request be checked in one indexed lookup.
    """

    class Scope(models.TextChoices):
        READS = "reads", _("Submit plate reads")
        ALERTS = "alerts", _("Receive live alerts")
        API = "api", _("Use the API as the owning person")
        UNIT = "unit", _("Patrol unit terminal")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("label"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    municipality = models.ForeignKey(
        "sightings.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="api_keys"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="api_keys"
    )
    # A unit key's patrol unit: the key reports that unit's position and status and receives its assignments.
    unit = models.ForeignKey(
        "sightings.PatrolUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="api_keys"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    allowed_networks = models.TextField(
        _("allowed networks"),
        blank=True,
        default="",
        validators=[validate_networks],
        help_text=_("Comma-separated CIDR networks this key may be used from; empty means the site-wide list."),
    )

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        constraints = [
            models.CheckConstraint(
                name="accounts_apikey_one_owner",
                condition=Q(municipality__isnull=False, user__isnull=True)
                | Q(municipality__isnull=True, user__isnull=False),
            ),
            # A unit key is a person's key bound to one patrol unit; no other key names a unit.
            models.CheckConstraint(
                name="accounts_apikey_unit_scope_has_unit",
                condition=Q(scope="unit", unit__isnull=False, user__isnull=False)
                | (~Q(scope="unit") & Q(unit__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Refuses to revive or re-scope a stored key (un-revoking, extending, changing owner or scope)."""
        if not self._state.adding:
            deferred = self.get_deferred_fields()
            update_fields = kwargs.get("update_fields")
            names = [
                field.attname
                for field in self._meta.concrete_fields
                if field.attname not in deferred
                and (update_fields is None or {field.name, field.attname}.intersection(update_fields))
            ]
            stored = type(self).objects.filter(pk=self.pk).values(*{*names, "revoked_at", "expires_at"}).first()
            if stored is not None:
                reason = _api_key_changes_refused(stored, {name: getattr(self, name) for name in names})
                if reason:
                    raise ApiKeyChangeRefused(reason)
        super().save(*args, **kwargs)

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now
