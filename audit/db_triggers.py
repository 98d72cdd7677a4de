"""The database refuses UPDATE and DELETE on the ledger and the access log: one trigger per table and verb.

PostgreSQL gets a plpgsql function raising an exception; SQLite a BEFORE trigger with RAISE(ABORT).
TRUNCATE (PostgreSQL) and DROP TABLE bypass row triggers: those need the table owner's rights, which the
application's database role should not have in production (see docs/LEDGER.md). A later migration that
rebuilds one of these tables on SQLite must call `install` again, because SQLite drops a table's triggers
with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# The first two from migration 0002, the rest from 0004; each migration installs the set it knows.
FIRST_TABLES = ("audit_disclosureentry", "audit_accesslogentry")
APPEND_ONLY_TABLES = (*FIRST_TABLES, "audit_accesstally", "audit_ledgercorrection", "audit_chainheadstatement")
MESSAGE = "append-only table: UPDATE and DELETE are refused"

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%: {MESSAGE}', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _statements(vendor: str, table: str) -> tuple[list[str], list[str]]:
    """(create, drop) statements for one table."""
    if vendor == "postgresql":
        trigger = f"{table}_append_only"
        return (
            [
                f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();"
            ],
            [f"DROP TRIGGER IF EXISTS {trigger} ON {table};"],
        )
    if vendor == "sqlite":
        create, drop = [], []
        for verb in ("UPDATE", "DELETE"):
            trigger = f"{table}_no_{verb.lower()}"
            create.append(
                f"CREATE TRIGGER {trigger} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END;"
            )
            drop.append(f"DROP TRIGGER IF EXISTS {trigger};")
        return create, drop
    raise NotImplementedError(f"no append-only trigger for the {vendor} database")


def install(connection: Any, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> None:
    """Creates the triggers, replacing any already there (so later migrations can simply call it again)."""
    remove(connection, tables)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
        for table in tables:
            for statement in _statements(connection.vendor, table)[0]:
                cursor.execute(statement)


def remove(connection: Any, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            for statement in _statements(connection.vendor, table)[1]:
                cursor.execute(statement)


@contextmanager
def suspended(connection: Any) -> Iterator[None]:
    """Drops the triggers for the block and puts them back: only for test teardown and tamper drills."""
    remove(connection)
    try:
        yield
    finally:
        install(connection)


def installed_on(connection: Any) -> bool:
    """Whether every append-only trigger is present."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY(%s)",
                [[f"{table}_append_only" for table in APPEND_ONLY_TABLES]],
            )
            return cursor.fetchone()[0] == len(APPEND_ONLY_TABLES)
        placeholders = ", ".join(["%s"] * len(APPEND_ONLY_TABLES))
        cursor.execute(
            f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({placeholders})",  # noqa: S608
            APPEND_ONLY_TABLES,
        )
        return cursor.fetchone()[0] == 2 * len(APPEND_ONLY_TABLES)
