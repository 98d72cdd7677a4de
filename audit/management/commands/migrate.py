"""Django's migrate, run as the database owner role when DATABASE_OWNER_URL is set (docs/OPERATIONS.md)."""

from __future__ import annotations

from django.core.management.commands.migrate import Command as MigrateCommand

from wassweb.db_roles import connected_as_owner


class Command(MigrateCommand):
    help = MigrateCommand.help + " Connects as DATABASE_OWNER_URL's role when it is set."

    def handle(self, *args, **options) -> None:
        with connected_as_owner(options["database"]):
            super().handle(*args, **options)
