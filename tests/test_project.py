"""The project as a whole: system checks and migrations are clean."""

from io import StringIO

import pytest
from django.core.management import call_command


def test_system_check_is_clean():
    out = StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()


@pytest.mark.django_db
def test_models_and_migrations_agree():
    # Raises SystemExit(1) when a model change has no migration.
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


def test_the_api_schema_builds_without_a_warning(tmp_path):
    # Name collisions (enums, operation ids, security schemes) make clients generated from it unstable.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yml"))
    schema = (tmp_path / "schema.yml").read_text()
    assert "operationId: v1_orders_list" in schema and "LegalBasisEnum:" in schema
