"""The project as a whole: system checks and migrations are clean, and the apps import in one direction."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

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


def test_apps_import_one_another_in_one_direction_without_exceptions():
    # The contracts in pyproject.toml: sightings → audit → accounts, with no import listed as an exception,
    # and the shared plumbing importing no app. The source is parsed, not imported, so this needs no database.
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [Path(sys.executable).with_name("lint-imports"), "--no-logo", "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sightings → audit → accounts KEPT\n" in result.stdout  # no "(N ignored imports)"
    assert " 0 broken." in result.stdout
