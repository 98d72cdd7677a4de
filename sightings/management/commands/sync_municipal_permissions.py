"""Re-grants each municipality's operators group its object permissions and re-syncs operator membership.

Objects and people made through the ORM are granted as they are saved; this is for bulk imports that bypass
signals (bulk_create, raw SQL) and for repairs. Idempotent. It lives in sightings because it goes over
sightings' municipalities, cameras and footage requests; accounts decides the permissions.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts import permissions
from accounts.models import User
from sightings.models import Municipality
from sightings.signals import MUNICIPAL_OBJECTS


class Command(BaseCommand):
    help = "Grant every municipality's operators group its permissions on the municipality's objects."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--municipality", help="only this municipality code")

    def handle(self, *args, **options) -> None:
        municipalities = Municipality.objects.order_by("code")
        if options["municipality"]:
            municipalities = municipalities.filter(code=options["municipality"])
        total = municipalities.count()
        granted = 0
        for n, municipality in enumerate(municipalities, start=1):
            granted += permissions.municipality_grants_sync(municipality, MUNICIPAL_OBJECTS)
            if n % 25 == 0 or n == total:
                self.stdout.write(f"  {n}/{total} municipalities")
        people = 0
        for user in User.objects.filter(role=User.Role.OPERATOR).select_related("municipality"):
            permissions.operator_groups_sync(user)
            people += 1
        summary = f"{granted} object permissions granted; {people} operators in their groups"
        self.stdout.write(self.style.SUCCESS(summary))
