import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_ledger_and_access_log"),
        ("sightings", "0007_patrol_units"),
    ]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="unit",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="api_keys",
                to="sightings.patrolunit",
            ),
        ),
        migrations.AlterField(
            model_name="apikey",
            name="scope",
            field=models.CharField(
                choices=[
                    ("reads", "Submit plate reads"),
                    ("alerts", "Receive live alerts"),
                    ("api", "Use the API as the owning person"),
                    ("unit", "Patrol unit terminal"),
                ],
                max_length=16,
                verbose_name="scope",
            ),
        ),
        migrations.AddConstraint(
            model_name="apikey",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("scope", "unit"), ("unit__isnull", False), ("user__isnull", False)),
                    models.Q(models.Q(("scope", "unit"), _negated=True), ("unit__isnull", True)),
                    _connector="OR",
                ),
                name="accounts_apikey_unit_scope_has_unit",
            ),
        ),
    ]
