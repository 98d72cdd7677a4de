"""The two database roles: the owner (migrations, grants) and the application (everything else).

The application connects with DATABASE_URL. Commands that change the schema or privileges switch the default
connection to DATABASE_OWNER_URL's credentials for their run; the database name stays the connection's own,
so the switch also works on the test database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

# What the owner's URL may change; NAME stays (settings check that both URLs name one database).
_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


def owner_configured() -> bool:
    return settings.DATABASE_OWNER is not None


@contextmanager
def connected_as_owner(alias: str = DEFAULT_DB_ALIAS) -> Iterator[BaseDatabaseWrapper]:
    """The connection, logged in as the owner role for the block when one is configured, as itself otherwise."""
    connection = connections[alias]
    owner = settings.DATABASE_OWNER
    if owner is None:
        yield connection
        return
    own_settings = connection.settings_dict
    connection.close()
    # A copy: the shared settings dict must keep the application's role for every other connection. Without the
    # pool option: the process's pool logs in as the application's role.
    options = {key: value for key, value in own_settings.get("OPTIONS", {}).items() if key != "pool"}
    connection.settings_dict = {**own_settings, **{key: owner[key] for key in _CREDENTIALS}, "OPTIONS": options}
    try:
        yield connection
    finally:
        connection.close()
        connection.settings_dict = own_settings


def app_role_grant(connection: BaseDatabaseWrapper, *, role: str) -> list[str]:
    """Gives the application role exactly what it needs, as the owner; idempotent. Returns the statements run.

    Every table the owner owns: SELECT, INSERT, UPDATE, DELETE and nothing else (no TRUNCATE, TRIGGER or
    REFERENCES; not owning them, the role cannot ALTER, DISABLE TRIGGER or DROP either). The append-only audit
    tables: SELECT and INSERT only. Sequences: USAGE and SELECT. Tables the owner creates later get the same
    through default privileges, so run this again after every migrate to narrow new audit tables.

    The look-back buffer is the one exception: the worker and beat create and drop its hourly partitions, which
    PostgreSQL allows only to the table's owner, so the buffer (keyed hashes purged within hours, never
    evidence) is handed to the application role, with CREATE on the schema for its partitions.
    """
    from django.apps import apps

    from audit.db_triggers import APPEND_ONLY_TABLES

    if connection.vendor != "postgresql":
        raise ValueError("database roles exist only on PostgreSQL")
    quote = connection.ops.quote_name
    lookback = apps.get_model("sightings", "LookbackRead")._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema(), current_database(), current_user")
        schema, database, owner = cursor.fetchone()
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
        found = cursor.fetchone()
        if found is None:
            raise ValueError(f"role {role!r} does not exist: create it first (docs/OPERATIONS.md)")
        if found[0]:
            raise ValueError(f"role {role!r} is a superuser or bypasses row security: no grant would bind it")
        if role == owner:
            raise ValueError(f"role {role!r} is the owner running this: the application needs a role of its own")
        cursor.execute(
            "SELECT c.relname, c.relkind = 'S' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
            " AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = %s)"
            " ORDER BY c.relname",
            [schema, owner],
        )
        owned = cursor.fetchall()
        cursor.execute(
            "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid"
            " WHERE pg_inherits.inhparent = %s::regclass",
            [lookback],
        )
        buffer = [lookback, *(row[0] for row in cursor.fetchall())]

    who, where = quote(role), quote(schema)
    statements = [
        f"GRANT CONNECT ON DATABASE {quote(database)} TO {who}",
        f"GRANT USAGE, CREATE ON SCHEMA {where} TO {who}",
    ]
    for name, is_sequence in owned:
        table = f"{where}.{quote(name)}"
        if is_sequence:
            statements += [
                f"REVOKE ALL ON SEQUENCE {table} FROM {who}",
                f"GRANT USAGE, SELECT ON SEQUENCE {table} TO {who}",
            ]
        elif name in buffer:
            continue
        else:
            verbs = "SELECT, INSERT" if name in APPEND_ONLY_TABLES else "SELECT, INSERT, UPDATE, DELETE"
            if name == "django_migrations":
                verbs = "SELECT"  # the schema's history is the owner's to write
            statements += [f"REVOKE ALL ON TABLE {table} FROM {who}", f"GRANT {verbs} ON TABLE {table} TO {who}"]
    statements += [
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {where} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {who}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {where} GRANT USAGE, SELECT ON SEQUENCES TO {who}",
    ]
    owned_names = {name for name, _ in owned}
    statements += [f"ALTER TABLE {where}.{quote(name)} OWNER TO {who}" for name in buffer if name in owned_names]
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return statements
