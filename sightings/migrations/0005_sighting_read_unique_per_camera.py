"""One sighting per (read id, camera, order): read ids are chosen by each centre, so two municipalities' reads
may share one. Sightings stored before under a derived read id (uuid5 of the sent id and the municipality code)
keep it; new ones keep the id the centre sent.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sightings", "0004_lookback_buffer"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="sighting",
            name="sightings_sighting_one_per_read_and_order",
        ),
        migrations.AddConstraint(
            model_name="sighting",
            constraint=models.UniqueConstraint(
                fields=("read_id", "camera", "order"), name="sightings_sighting_one_per_read_and_order"
            ),
        ),
    ]
