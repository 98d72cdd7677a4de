"""Keep a footage request's purpose in full; SQLite rebuilds the table for this, so the triggers go back on."""

from django.db import migrations, models

from audit import db_triggers


def install(apps, schema_editor):
    db_triggers.install(schema_editor.connection, db_triggers.FIRST_TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
    ]

    # Both directions rebuild the table on SQLite: put the triggers back after it either way.
    operations = [
        migrations.RunPython(migrations.RunPython.noop, install),
        migrations.AlterField(
            model_name="disclosureentry",
            name="purpose",
            field=models.TextField(verbose_name="purpose"),
        ),
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
