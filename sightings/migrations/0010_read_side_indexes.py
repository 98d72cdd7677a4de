"""Indexes of the read side at volume (docs/PERFORMANCE.md, "Read side at volume"): the footage lists in their
order, one per list, and a block-range index on when a vehicle was seen, for the transparency report's month.

A block-range (BRIN) index is PostgreSQL's; elsewhere (SQLite, development) the month is counted without one.
"""

import datetime

from django.contrib.postgres.indexes import BrinIndex
from django.db import migrations, models
from django.db.models.functions import Coalesce

# The footage lists' order (sightings.models.footage_list_keys), as it stood when this migration was written.
FOOTAGE_LIST_KEYS = (
    models.OrderBy(
        models.ExpressionWrapper(models.Q(("status", "pending")), output_field=models.BooleanField()),
        descending=True,
    ),
    models.OrderBy(
        Coalesce("escalated_at", models.Value(datetime.datetime(1, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))),
        descending=True,
    ),
    models.OrderBy(models.F("urgent"), descending=True),
    models.OrderBy(models.F("created_at"), descending=True),
    models.OrderBy(models.F("id"), descending=True),
)

# Summarised as each range of blocks fills, not only at the table's next vacuum.
SEEN_INDEX = BrinIndex(fields=["seen_at"], name="sightings_sight_seen", autosummarize=True)


def seen_index_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("sightings", "Sighting"), SEEN_INDEX)


def seen_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("sightings", "Sighting"), SEEN_INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("sightings", "0009_live_view_viewer_unit"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="footagerequest",
            index=models.Index(models.F("agency"), *FOOTAGE_LIST_KEYS, name="sightings_footage_agency_list"),
        ),
        migrations.AddIndex(
            model_name="footagerequest",
            index=models.Index(models.F("municipality"), *FOOTAGE_LIST_KEYS, name="sightings_footage_muni_list"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="sighting", index=SEEN_INDEX)],
            database_operations=[migrations.RunPython(seen_index_create, seen_index_drop)],
        ),
    ]
