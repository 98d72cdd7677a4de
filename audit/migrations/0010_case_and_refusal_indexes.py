"""Indexes for the auditor's pages at volume: a period's entries with their order (the scan for disclosures without
an active order), one case's entries newest first, and refusals with their outcome and person
(docs/PERFORMANCE.md, "Auditor pages, 2026-11-29 (third pass)")."""

from django.db import migrations, models

from audit import db_triggers


def triggers_reinstall(apps, schema_editor):
    """SQLite drops a table's triggers when Django rebuilds it, which migrations 0005 and 0006 did to the ledger,
    the access log and the tallies without putting them back: the append-only triggers again, on every table."""
    db_triggers.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0009_disclosure_months"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="disclosureentry", name="audit_disclosure_provided"),
        migrations.AddIndex(
            model_name="disclosureentry",
            index=models.Index(fields=["provided_at", "order", "sequence"], name="audit_disclosure_time_order"),
        ),
        migrations.RemoveIndex(model_name="disclosureentry", name="audit_disclosure_case"),
        migrations.AddIndex(
            model_name="disclosureentry",
            index=models.Index(fields=["case_number", "sequence"], name="audit_disclosure_case_seq"),
        ),
        migrations.RemoveIndex(model_name="accesslogentry", name="audit_access_refused_at"),
        migrations.AddIndex(
            model_name="accesslogentry",
            index=models.Index(
                condition=models.Q(("outcome__in", ["denied", "not-found"])),
                fields=["outcome", "at", "actor"],
                name="audit_access_refusals",
            ),
        ),
        migrations.RunPython(triggers_reinstall, migrations.RunPython.noop),
    ]
