import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sightings", "0008_live_views"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="liveviewviewer",
            name="sightings_liveviewviewer_one_per_person",
        ),
        migrations.AddField(
            model_name="liveviewviewer",
            name="unit",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="sightings.patrolunit",
                verbose_name="unit",
            ),
        ),
        migrations.AddConstraint(
            model_name="liveviewviewer",
            constraint=models.UniqueConstraint(
                condition=models.Q(("unit__isnull", True)),
                fields=("live_view", "user"),
                name="sightings_liveviewviewer_one_per_person",
            ),
        ),
        migrations.AddConstraint(
            model_name="liveviewviewer",
            constraint=models.UniqueConstraint(
                condition=models.Q(("unit__isnull", False)),
                fields=("live_view", "unit", "user"),
                name="sightings_liveviewviewer_one_per_unit_account",
            ),
        ),
    ]
