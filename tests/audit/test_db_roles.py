"""The application's database role owns nothing: it can add to the ledger but never empty, alter or rewrite it."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AccessLogEntry, DisclosureEntry
from audit.services import access_log_record
from sightings.models import Sighting
from sightings.reads.lookback import lookback_maintain, lookback_partitions
from tests.audit.test_ledger import locations_record
from tests.factories import sighting_make
from wassweb.db_roles import connected_as_owner

pytestmark = pytest.mark.services


@pytest.fixture
def app_role(db) -> str:
    """A role created and granted inside the test's transaction (roles are transactional), so it vanishes after."""
    role = f"wassweb_app_test_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN')
    call_command("db_grant_app_role", "--role", role, stdout=io.StringIO())
    return role


class acting_as:  # noqa: N801 - reads as a phrase: `with acting_as(role):`
    """The block runs as the role (ORM and services included), in a savepoint: leaving it by an error rolls the
    savepoint back, which also undoes the SET ROLE."""

    def __init__(self, role: str) -> None:
        self.role = role

    def __enter__(self) -> None:
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        with connection.cursor() as cursor:
            cursor.execute(f'SET LOCAL ROLE "{self.role}"')

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            with connection.cursor() as cursor:
                cursor.execute("RESET ROLE")
        self.atomic.__exit__(*exc)


def as_role(role: str, statement: str) -> None:
    with acting_as(role), connection.cursor() as cursor:
        cursor.execute(statement)


def test_the_app_role_adds_to_the_ledger_and_does_ordinary_work(app_role, order, camera, officer):
    with acting_as(app_role):
        sighting = sighting_make(order, camera)
        locations_record(sightings=[sighting])
        access_log_record(actor=officer, action="view", obj=order)
        Sighting.objects.filter(pk=sighting.pk).update(verification=Sighting.Verification.CONFIRMED)
    assert DisclosureEntry.objects.count() == 1 and AccessLogEntry.objects.count() == 1
    assert Sighting.objects.get(pk=sighting.pk).verification == Sighting.Verification.CONFIRMED


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE audit_disclosureentry",
        "TRUNCATE audit_accesslogentry CASCADE",
        "ALTER TABLE audit_disclosureentry DISABLE TRIGGER ALL",
        "ALTER TABLE audit_accesslogentry DISABLE TRIGGER audit_accesslogentry_append_only",
        "DROP TRIGGER audit_disclosureentry_append_only ON audit_disclosureentry",
        "DROP TABLE audit_chainheadstatement",
        "UPDATE audit_disclosureentry SET purpose = 'nothing to see'",
        "DELETE FROM audit_accesslogentry",
        "UPDATE audit_accesstally SET count = 0",
        "DELETE FROM audit_ledgercorrection",
        "DELETE FROM audit_chainheadstatement",
        "TRUNCATE sightings_sighting",
        "INSERT INTO django_migrations (app, name, applied) VALUES ('audit', 'x', now())",
    ],
)
def test_the_app_role_cannot_empty_alter_or_rewrite(app_role, statement, order, camera, officer):
    locations_record(sightings=[sighting_make(order, camera)])
    access_log_record(actor=officer, action="view", obj=order)
    # Refused by privileges, before any trigger runs: "permission denied" or "must be owner".
    with pytest.raises(DatabaseError, match="permission denied|must be owner"):
        as_role(app_role, statement)
    assert DisclosureEntry.objects.count() == 1 and AccessLogEntry.objects.count() == 1


def test_the_app_role_keeps_the_look_back_buffer_by_the_hour(app_role):
    with acting_as(app_role):
        result = lookback_maintain()
    assert result["created"] > 0
    assert lookback_partitions()


def test_granting_twice_changes_nothing(app_role):
    out = io.StringIO()
    call_command("db_grant_app_role", "--role", app_role, stdout=out)
    assert f"role {app_role}: privileges set on" in out.getvalue()
    with pytest.raises(DatabaseError, match="permission denied"):
        as_role(app_role, "TRUNCATE audit_disclosureentry")


def test_it_refuses_a_superuser_or_a_missing_role(db):
    with pytest.raises(CommandError, match="superuser"):
        call_command("db_grant_app_role", "--role", "postgres", stdout=io.StringIO())
    with pytest.raises(CommandError, match="does not exist"):
        call_command("db_grant_app_role", "--role", "no_such_role_here", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_migrate_and_grants_connect_as_the_owner_role(settings):
    """DATABASE_OWNER_URL's credentials are used for the block only; every other connection keeps its own."""
    owner = f"wassweb_owner_test_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{owner}" LOGIN')
    try:
        settings.DATABASE_OWNER = {**connection.settings_dict, "USER": owner, "PASSWORD": ""}
        with connected_as_owner() as owner_connection, owner_connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == owner
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] != owner
    finally:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP ROLE "{owner}"')
