import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_disclosure_plate"),
        ("sightings", "0008_live_views"),
    ]

    operations = [
        migrations.AddField(
            model_name="disclosureentry",
            name="live_view",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="sightings.liveview",
            ),
        ),
        migrations.AddField(
            model_name="disclosureentry",
            name="viewers",
            field=models.JSONField(blank=True, default=None, null=True, verbose_name="viewers"),
        ),
        migrations.AlterField(
            model_name="disclosureentry",
            name="kind",
            field=models.CharField(
                choices=[
                    ("location", "Location of a wanted vehicle"),
                    ("footage", "CCTV footage"),
                    ("live", "Live CCTV video"),
                    ("live_end", "Live CCTV video: end of the session"),
                ],
                max_length=10,
                verbose_name="kind",
            ),
        ),
    ]
