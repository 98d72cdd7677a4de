"""(Re)applies the application role's privileges as the owner; run after every migrate (docs/OPERATIONS.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from wassweb.db_roles import app_role_grant, connected_as_owner


class Command(BaseCommand):
    help = (
        "Grant the application's database role what it needs and nothing more: no TRUNCATE, no ALTER, and only "
        "SELECT and INSERT on the append-only audit tables. Idempotent; connects as DATABASE_OWNER_URL's role."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--role",
            help="the application's role (default: the user in DATABASE_URL)",
        )
        parser.add_argument("--database", default="default", help="the database alias (default: default)")

    def handle(self, *args, role: str | None = None, database: str = "default", **options) -> None:
        role = role or settings.DATABASES[database].get("USER")
        if not role:
            raise CommandError("name the application's role with --role")
        with connected_as_owner(database) as connection:
            if connection.vendor != "postgresql":
                raise CommandError("database roles exist only on PostgreSQL; SQLite (the demo) has none")
            try:
                statements = app_role_grant(connection, role=role)
            except ValueError as error:
                raise CommandError(str(error)) from None
            except DatabaseError as error:
                raise CommandError(
                    f"{error}".strip() + "\nThe owner role must own the tables and be a member of the application "
                    f"role (GRANT {role} TO <owner>), to hand it the look-back buffer."
                ) from None
        tables = sum(1 for statement in statements if statement.startswith("GRANT") and " ON TABLE " in statement)
        self.stdout.write(f"role {role}: privileges set on {tables} tables ({len(statements)} statements)")
