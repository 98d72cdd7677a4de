"""manage.py seed_volume and benchmark pages: a year of data in a scratch database, and the pages timed on it."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum

from accounts.models import User
from audit.ledger import verify_stored
from audit.models import AccessHour, AccessLogEntry, DisclosureEntry, DisclosureMonth, DisclosurePublicationMonth
from sightings.models import Camera, FootageRequest, Municipality, Sighting, WantedOrder

TINY = ["--sightings", "400", "--orders", "30", "--access-log", "600", "--footage", "12"]
TINY += ["--cameras-per-municipality", "2", "--days", "20"]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_seed_volume_writes_a_year_whose_chains_verify_and_refuses_a_second_run(tmp_path):
    out = io.StringIO()
    call_command("seed_volume", *TINY, "--json", str(tmp_path / "seed.json"), stdout=out)
    assert Municipality.objects.count() == 229 and Camera.objects.count() == 458
    assert WantedOrder.objects.count() == 30 and Sighting.objects.count() == 400
    assert AccessLogEntry.objects.count() == 600 and FootageRequest.objects.count() == 12
    # One location entry per sighting, one footage entry per approved request.
    approved = FootageRequest.objects.filter(status=FootageRequest.Status.APPROVED).count()
    assert DisclosureEntry.objects.count() == 400 + approved
    # The monthly counts the statistics and transparency pages read were recounted after the load.
    for counts in (DisclosureMonth, DisclosurePublicationMonth):
        assert counts.objects.aggregate(n=Sum("disclosures"))["n"] == 400 + approved
    # So were the access log's hours that the anomaly scans read.
    people = AccessLogEntry.objects.filter(actor__isnull=False).count()
    assert people and AccessHour.objects.aggregate(n=Sum("requests"))["n"] == people
    for model in (DisclosureEntry, AccessLogEntry):
        verdict = verify_stored(model)
        assert verdict.ok and verdict.entries == model.objects.count(), verdict.first_broken
    # The orders' kept counts agree with their sightings, and the indexes dropped for the load are back.
    assert sum(WantedOrder.objects.values_list("sighting_count", flat=True)) == 400
    busiest = WantedOrder.objects.order_by("-sighting_count").first()
    assert busiest.sighting_count == Sighting.objects.filter(order=busiest).count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'sightings_sighting'")
        indexes = {name for (name,) in cursor.fetchall()}
    assert {"sightings_sighting_pkey", "sightings_sight_order_trail", "sightings_sight_received"} <= indexes
    seconds = json.loads((tmp_path / "seed.json").read_text())["seconds"]
    assert seconds["total"] > 0 and "Seeded 229 municipalities" in out.getvalue()
    with pytest.raises(CommandError, match="already holds sightings"):
        call_command("seed_volume", *TINY, stdout=io.StringIO())


@pytest.mark.django_db
def test_seed_volume_refuses_a_database_with_real_people():
    User.objects.create(username="kim.minsu", role=User.Role.AUDITOR)
    with pytest.raises(CommandError, match="kim.minsu"):
        call_command("seed_volume", *TINY, stdout=io.StringIO())
    assert not Camera.objects.exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_pages_benchmark_times_every_page_with_its_query_count(tmp_path):
    call_command("seed_volume", *TINY, stdout=io.StringIO())
    out = io.StringIO()
    result_file = tmp_path / "pages.json"
    call_command("benchmark", "pages", "--repeats", "2", "--warmup", "1", "--json", str(result_file), stdout=out)
    result = json.loads(result_file.read_text())
    pages = {page["name"]: page for page in result["pages"]}
    assert {"dashboard", "orders", "API orders", "API sightings", "ledger", "transparency"} <= set(pages)
    broken = {name: page["status"] for name, page in pages.items() if page["status"] >= 500}
    assert not broken
    assert all(page["queries"] >= 0 and page["requests"] >= 2 for page in pages.values())
    assert result["counts"]["sightings"] == 400
    # A streamed answer is timed to its first piece (what the target applies to) and to its end.
    export = pages["ledger CSV, one week"]
    assert export["streamed"] and export["first_piece_p95_ms"] <= export["p95_ms"]
    assert not pages["ledger"]["streamed"] and "first_piece_p95_ms" not in pages["ledger"]
