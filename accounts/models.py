from __future__ import annotations

import uuid

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


class ApiKey(models.Model):
    """A credential for a machine client: an integration (one municipality) or a person's own key.

    Only a SHA-256 of the secret is kept; the full key is shown once when it is made. Keys are long
    random strings, so a fast hash is enough and lets every request be checked in one indexed lookup.
    """

    class Scope(models.TextChoices):
        READS = "reads", _("Submit plate reads")
        ALERTS = "alerts", _("Receive live alerts")
        API = "api", _("Use the API as the owning person")

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

    class Meta:
        verbose_name = _("API key")
        constraints = [
            models.CheckConstraint(
                name="accounts_apikey_one_owner",
                condition=Q(municipality__isnull=False, user__isnull=True)
                | Q(municipality__isnull=True, user__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now
