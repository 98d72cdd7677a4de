import secrets
import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sightings", "0007_patrol_units"),
        ("accounts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LiveVideoServer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("base_url", models.URLField(verbose_name="video server address")),
                ("secret", models.BinaryField(default=secrets.token_bytes, editable=False, max_length=32)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="updated at")),
                (
                    "municipality",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="live_video_server",
                        to="sightings.municipality",
                    ),
                ),
            ],
            options={"verbose_name": "live video server"},
        ),
        migrations.CreateModel(
            name="LiveView",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("reason", models.TextField(verbose_name="reason")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("requested", "Waiting for a decision"),
                            ("approved", "Approved"),
                            ("denied", "Denied"),
                            ("ended", "Ended"),
                            ("expired", "Expired"),
                        ],
                        default="requested",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="decided at")),
                ("deny_reason", models.TextField(blank=True, verbose_name="reason for denial")),
                ("approved_until", models.DateTimeField(blank=True, null=True, verbose_name="approved until")),
                ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="started at")),
                ("ended_at", models.DateTimeField(blank=True, null=True, verbose_name="ended at")),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="live_views", to="accounts.agency"
                    ),
                ),
                (
                    "camera",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="live_views", to="sightings.camera"
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "ended_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "municipality",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="live_views",
                        to="sightings.municipality",
                    ),
                ),
                (
                    "order",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="live_views",
                        to="sightings.wantedorder",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="live_views",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "sighting",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="live_views",
                        to="sightings.sighting",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="live_views",
                        to="sightings.patrolunit",
                        verbose_name="unit",
                    ),
                ),
            ],
            options={"verbose_name": "live view", "ordering": ["-created_at"]},
        ),
        migrations.CreateModel(
            name="LiveViewViewer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("first_at", models.DateTimeField(verbose_name="first view")),
                ("last_at", models.DateTimeField(verbose_name="last view")),
                ("fetches", models.PositiveIntegerField(default=0, verbose_name="fetches")),
                (
                    "live_view",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="viewer_rows",
                        to="sightings.liveview",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={"verbose_name": "live view viewer", "ordering": ["first_at"]},
        ),
        migrations.AddField(
            model_name="liveview",
            name="viewers",
            field=models.ManyToManyField(
                related_name="+",
                through="sightings.LiveViewViewer",
                to=settings.AUTH_USER_MODEL,
                verbose_name="viewers",
            ),
        ),
        migrations.AddConstraint(
            model_name="liveviewviewer",
            constraint=models.UniqueConstraint(
                fields=("live_view", "user"), name="sightings_liveviewviewer_one_per_person"
            ),
        ),
        migrations.AddIndex(
            model_name="liveview",
            index=models.Index(fields=["municipality", "status", "-created_at"], name="sightings_live_queue"),
        ),
        migrations.AddIndex(
            model_name="liveview",
            index=models.Index(fields=["agency", "-created_at"], name="sightings_live_agency"),
        ),
        migrations.AddIndex(
            model_name="liveview",
            index=models.Index(fields=["status", "approved_until"], name="sightings_live_expiry"),
        ),
        migrations.AddConstraint(
            model_name="liveview",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "denied"), _negated=True),
                    models.Q(("deny_reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="sightings_liveview_denial_has_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="liveview",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "approved"), _negated=True), ("approved_until__isnull", False), _connector="OR"
                ),
                name="sightings_liveview_approval_has_end",
            ),
        ),
    ]
