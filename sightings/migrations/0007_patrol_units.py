import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_ledger_and_access_log"),
        ("sightings", "0006_order_sighting_summary_and_read_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="sighting",
            name="dispatch_status",
            field=models.CharField(
                blank=True,
                choices=[
                    ("assigned", "Assigned"),
                    ("en_route", "En route"),
                    ("on_scene", "On scene"),
                    ("lost_contact", "Lost contact"),
                    ("arrested", "Arrested"),
                ],
                default="",
                max_length=12,
                verbose_name="unit's report",
            ),
        ),
        migrations.AddField(
            model_name="sighting",
            name="dispatch_status_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="unit's report at"),
        ),
        migrations.CreateModel(
            name="DispatchAgreement",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="agreed at")),
                (
                    "dispatching_agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.agency",
                        verbose_name="may dispatch them",
                    ),
                ),
                (
                    "unit_agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.agency",
                        verbose_name="agency of the units",
                    ),
                ),
            ],
            options={
                "verbose_name": "dispatch agreement",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("unit_agency", "dispatching_agency"), name="sightings_dispatchagreement_one_per_pair"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("unit_agency", models.F("dispatching_agency")), _negated=True),
                        name="sightings_dispatchagreement_between_two",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="PatrolUnit",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("call_sign", models.CharField(max_length=20, unique=True, verbose_name="call sign")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("available", "Available"),
                            ("assigned", "Assigned"),
                            ("en_route", "En route"),
                            ("on_scene", "On scene"),
                            ("off_duty", "Off duty"),
                        ],
                        default="off_duty",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("status_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="status since")),
                ("lat", models.FloatField(blank=True, null=True)),
                ("lon", models.FloatField(blank=True, null=True)),
                ("heading_deg", models.FloatField(blank=True, null=True, verbose_name="heading")),
                ("accuracy_m", models.FloatField(blank=True, null=True, verbose_name="accuracy (m)")),
                ("position_at", models.DateTimeField(blank=True, null=True, verbose_name="position reported at")),
                ("assigned_at", models.DateTimeField(blank=True, null=True, verbose_name="assigned at")),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="patrol_units", to="accounts.agency"
                    ),
                ),
                (
                    "assignment",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="assigned_units",
                        to="sightings.sighting",
                    ),
                ),
            ],
            options={
                "verbose_name": "patrol unit",
                "ordering": ["call_sign"],
                "indexes": [models.Index(fields=["status", "position_at"], name="sightings_unit_available")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("lat__isnull", True), ("lon__isnull", True), ("position_at__isnull", True)),
                            models.Q(("lat__isnull", False), ("lon__isnull", False), ("position_at__isnull", False)),
                            _connector="OR",
                        ),
                        name="sightings_patrolunit_position_whole",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("assignment__isnull", False), ("status__in", ["assigned", "en_route", "on_scene"])
                            ),
                            models.Q(
                                models.Q(("status__in", ["assigned", "en_route", "on_scene"]), _negated=True),
                                ("assignment__isnull", True),
                            ),
                            _connector="OR",
                        ),
                        name="sightings_patrolunit_busy_has_assignment",
                    ),
                ],
            },
        ),
    ]
