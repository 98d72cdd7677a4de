"""The access log counted per person and clock hour for the anomaly scans (audit/access_counts.py), filled from the
log as it stands: minutes for tens of millions of entries (3.4 minutes for 4,000,000 here)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def count_existing(apps, schema_editor):
    """The counts of the entries already in the log (the writers add to them from here on)."""
    from audit.access_counts import access_counts_rebuild

    access_counts_rebuild(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_unit_scope'),
        ('audit', '0010_case_and_refusal_indexes'),
        ('sightings', '0009_live_view_viewer_unit'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AccessHour',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hour', models.DateTimeField(verbose_name='hour')),
                ('requests', models.PositiveIntegerField(default=0, verbose_name='requests')),
                ('refused', models.PositiveIntegerField(default=0, verbose_name='refused')),
                ('looks_shown', models.PositiveIntegerField(default=0, verbose_name='looks that showed something')),
                ('objects_shown', models.PositiveBigIntegerField(default=0, verbose_name='objects shown')),
                ('first_shown_at', models.DateTimeField(blank=True, null=True, verbose_name='first look that showed something')),
                ('last_shown_at', models.DateTimeField(blank=True, null=True, verbose_name='last look that showed something')),
                ('sighting_looks', models.PositiveIntegerField(default=0, verbose_name='looks at sightings')),
                ('sightings_shown', models.PositiveBigIntegerField(default=0, verbose_name='sightings shown')),
                ('run', models.PositiveIntegerField(default=0, verbose_name='refusals in a row at the end of the hour')),
                ('run_from', models.DateTimeField(blank=True, null=True)),
                ('run_in_from', models.DateTimeField(blank=True, null=True)),
                ('longest_run', models.PositiveIntegerField(default=0, verbose_name='longest run of refusals')),
                ('actor', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'access in an hour',
                'verbose_name_plural': 'access by hour',
                'indexes': [models.Index(fields=['hour'], name='audit_accesshour_hour'), models.Index(fields=['requests'], name='audit_accesshour_requests'), models.Index(fields=['sightings_shown'], name='audit_accesshour_sightings'), models.Index(condition=models.Q(('longest_run__gte', 2)), fields=['hour'], name='audit_accesshour_runs')],
                'constraints': [models.UniqueConstraint(fields=('actor', 'hour'), name='audit_accesshour_key')],
            },
        ),
        migrations.CreateModel(
            name='AccessOrderHour',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hour', models.DateTimeField(verbose_name='hour')),
                ('looks', models.PositiveIntegerField(verbose_name='looks')),
                ('first_at', models.DateTimeField(verbose_name='first look')),
                ('last_at', models.DateTimeField(verbose_name='last look')),
                ('actor', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('agency', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.agency')),
                ('order', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='sightings.wantedorder')),
            ],
            options={
                'verbose_name': "looks at another agency's order in an hour",
                'verbose_name_plural': "looks at other agencies' orders by hour",
                'indexes': [models.Index(fields=['hour'], name='audit_accessorder_hour')],
                'constraints': [models.UniqueConstraint(fields=('order', 'agency', 'hour', 'actor'), name='audit_accessorderhour_key')],
            },
        ),
        migrations.CreateModel(
            name='AccessSubjectHour',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hour', models.DateTimeField(verbose_name='hour')),
                ('subject', models.CharField(max_length=80, verbose_name='subject')),
                ('looks', models.PositiveIntegerField(verbose_name='looks')),
                ('first_at', models.DateTimeField(verbose_name='first look')),
                ('last_at', models.DateTimeField(verbose_name='last look')),
                ('actor', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'looks at a subject in an hour',
                'verbose_name_plural': 'looks at subjects by hour',
                'indexes': [models.Index(fields=['looks'], name='audit_accesssubject_looks')],
                'constraints': [models.UniqueConstraint(fields=('actor', 'subject', 'hour'), name='audit_accesssubjecthour_key')],
            },
        ),
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
