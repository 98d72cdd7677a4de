from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import ApiKey, User
from accounts.services import ApiKeyError, api_key_create

# The municipality an integration key belongs to, reached through the key's own relation: the model lives in
# sightings (reference data), which accounts does not import.
Municipality = ApiKey._meta.get_field("municipality").related_model
PatrolUnit = ApiKey._meta.get_field("unit").related_model


class Command(BaseCommand):
    help = (
        "Makes an API key and prints it once: an integration key for a municipality's platform "
        "(--municipality CODE, scope reads) or a personal key (--user USERNAME, scope api or alerts; with "
        "--unit CALL_SIGN a patrol unit terminal's key, scope unit)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        owner = parser.add_mutually_exclusive_group(required=True)
        owner.add_argument("--municipality", metavar="CODE", help="5-digit administrative code, e.g. 11380")
        owner.add_argument("--user", metavar="USERNAME", help="the person who will use the key")
        parser.add_argument("--name", required=True, help="a label saying where the key is used")
        parser.add_argument(
            "--unit", metavar="CALL_SIGN", help="with --user: the patrol unit whose terminal uses the key (scope unit)"
        )
        parser.add_argument(
            "--scope",
            choices=[ApiKey.Scope.API, ApiKey.Scope.ALERTS],
            help="personal keys only: api (default) or alerts (live-alert WebSocket)",
        )
        parser.add_argument("--days", type=int, help="valid for this many days (default 365 integration, 90 personal)")

    def handle(
        self, *args, municipality: str | None, user: str | None, unit: str | None, name: str, scope, days, **options
    ) -> None:
        owner: dict = {}
        if unit:
            if municipality or scope:
                raise CommandError("--unit goes with --user only; a unit key has the unit scope.")
            try:
                owner["unit"] = PatrolUnit.objects.get(call_sign=unit)
            except PatrolUnit.DoesNotExist:
                raise CommandError(f"No patrol unit {unit!r}.") from None
        if municipality:
            try:
                owner["municipality"] = Municipality.objects.get(code=municipality)
            except Municipality.DoesNotExist:
                raise CommandError(f"No municipality with code {municipality!r}.") from None
            if scope:
                raise CommandError("--scope is for personal keys; integration keys have the reads scope.")
        else:
            try:
                owner["user"] = User.objects.get(username=user)
            except User.DoesNotExist:
                raise CommandError(f"No user {user!r}.") from None
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        expires_at = timezone.now() + dt.timedelta(days=days) if days else None
        try:
            api_key, raw = api_key_create(name=name, scope=scope, expires_at=expires_at, **owner)
        except ApiKeyError as error:
            raise CommandError(str(error)) from None
        self.stderr.write(
            f"Made key {api_key.prefix} ({api_key.scope}) for {api_key.municipality or api_key.user}, "
            f"valid until {timezone.localtime(api_key.expires_at):%Y-%m-%d %H:%M}. "
            "It is shown only now; store it in the client's secret store."
        )
        self.stdout.write(raw)
