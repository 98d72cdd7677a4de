"""The database refuses UPDATE and DELETE on the ledger and the access log (SQL per vendor in audit/db_triggers.py)."""

from django.db import migrations

from audit import db_triggers


def install(apps, schema_editor):
    db_triggers.install(schema_editor.connection, db_triggers.FIRST_TABLES)


def remove(apps, schema_editor):
    db_triggers.remove(schema_editor.connection, db_triggers.FIRST_TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_ledger_and_access_log"),
    ]

    operations = [
        migrations.RunPython(install, remove),
    ]
