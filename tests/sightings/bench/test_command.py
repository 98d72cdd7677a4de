"""manage.py benchmark: the engine alone runs anywhere; the ingest benchmark insists on the real services."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command


def test_the_matching_benchmark_reports_rates_against_the_targets(tmp_path):
    out = io.StringIO()
    result_file = tmp_path / "matching.json"
    call_command(
        "benchmark",
        "matching",
        "--orders",
        "500",
        "--reads",
        "2000",
        "--repeats",
        "1",
        "--json",
        str(result_file),
        stdout=out,
    )
    assert "exact_and_pattern" in out.getvalue() and "target of 500,000" in out.getvalue()
    result = json.loads(result_file.read_text())
    assert result["orders"] == 500 and result["with_misread"]["reads_per_s"] > 0


@pytest.mark.django_db
@pytest.mark.parametrize("benchmark", ["ingest", "alerts", "soak", "national"])
def test_the_service_benchmarks_refuse_to_run_without_postgresql_and_redis(settings, benchmark):
    settings.REDIS_URL = None
    with pytest.raises(CommandError, match="needs"):
        call_command("benchmark", benchmark, "--duration", "1", stdout=io.StringIO())


def test_the_ingest_benchmark_checks_its_arguments():
    with pytest.raises(CommandError, match="batch"):
        call_command("benchmark", "ingest", "--batch", "5000", stdout=io.StringIO())
