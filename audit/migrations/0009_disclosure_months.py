import django.db.models.deletion
from django.db import migrations, models


def count_existing(apps, schema_editor):
    """The counts of the entries already in the ledger (the writers add to them from here on)."""
    from audit.disclosure_months import disclosure_months_rebuild

    disclosure_months_rebuild(
        apps.get_model("audit", "DisclosureEntry"),
        apps.get_model("audit", "DisclosureMonth"),
        apps.get_model("audit", "DisclosurePublicationMonth"),
    )

class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0008_live_view_disclosures'),
        ('sightings', '0008_live_views'),
    ]

    operations = [
        migrations.CreateModel(
            name='DisclosureMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='month')),
                ('kind', models.CharField(choices=[('location', 'Location of a wanted vehicle'), ('footage', 'CCTV footage'), ('live', 'Live CCTV video'), ('live_end', 'Live CCTV video: end of the session')], max_length=10, verbose_name='kind')),
                ('legal_basis', models.CharField(choices=[('18-2-2', 'Another statute specially provides for it (e.g. a warrant)'), ('18-2-3', "Manifestly necessary to protect a person's life, body or property from imminent danger"), ('18-2-7', 'Necessary for the investigation of a crime and its prosecution'), ('18-2-10', 'Urgently necessary for public safety')], max_length=10, verbose_name='legal basis')),
                ('crime', models.CharField(blank=True, default='', max_length=40, verbose_name='crime category')),
                ('disclosures', models.PositiveBigIntegerField(verbose_name='disclosures')),
                ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sightings.municipality', verbose_name='providing body')),
            ],
            options={
                'verbose_name': 'disclosures in a month',
                'verbose_name_plural': 'disclosures by month',
                'constraints': [models.UniqueConstraint(fields=('month', 'kind', 'legal_basis', 'crime', 'municipality'), name='audit_disclosuremonth_key')],
            },
        ),
        migrations.CreateModel(
            name='DisclosurePublicationMonth',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='month')),
                ('kind', models.CharField(choices=[('location', 'Location of a wanted vehicle'), ('footage', 'CCTV footage'), ('live', 'Live CCTV video'), ('live_end', 'Live CCTV video: end of the session')], max_length=10, verbose_name='kind')),
                ('legal_basis', models.CharField(choices=[('18-2-2', 'Another statute specially provides for it (e.g. a warrant)'), ('18-2-3', "Manifestly necessary to protect a person's life, body or property from imminent danger"), ('18-2-7', 'Necessary for the investigation of a crime and its prosecution'), ('18-2-10', 'Urgently necessary for public safety')], max_length=10, verbose_name='legal basis')),
                ('crime', models.CharField(blank=True, default='', max_length=40, verbose_name='crime category')),
                ('recipient', models.CharField(max_length=200, verbose_name='receiving body')),
                ('data_items', models.CharField(max_length=300, verbose_name='data items provided')),
                ('disclosures', models.PositiveBigIntegerField(verbose_name='disclosures')),
                ('last_provided_at', models.DateTimeField(verbose_name='last provision')),
                ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='sightings.municipality', verbose_name='providing body')),
            ],
            options={
                'verbose_name': 'published disclosures in a month',
                'verbose_name_plural': 'published disclosures by month',
                'constraints': [models.UniqueConstraint(fields=('month', 'kind', 'legal_basis', 'crime', 'municipality', 'recipient', 'data_items'), name='audit_disclosurepublication_key')],
            },
        ),
        migrations.AddIndex(
            model_name="disclosureentry",
            index=models.Index(fields=["kind", "provided_at"], name="audit_disclosure_kind_time"),
        ),
        migrations.AddIndex(
            model_name="accesslogentry",
            index=models.Index(
                condition=models.Q(("outcome__in", ["denied", "not-found"])),
                fields=["at"],
                name="audit_access_refused_at",
            ),
        ),
        migrations.RunPython(count_existing, migrations.RunPython.noop),
    ]
