"""CSV injection: no cell of a CSV the project writes is run as a formula when a spreadsheet opens it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from audit.models import DisclosureEntry
from sightings.models import FootageRequest, Sighting
from tests.factories import integration_key_make
from tests.sightings.footage.helpers import jpeg_upload
from tests.sightings.reads.helpers import a_read
from wassweb.csv_export import FORMULA_TRIGGERS, csv_cell, csv_stream

PURPOSE = "=cmd|' /C calc'!A0"
ORDER_CASE = "=1+1"
FOOTAGE_CASE = '=HYPERLINK("http://x.example","a")'


@pytest.mark.parametrize("text", ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "-", "+", "=", "-cmd"])
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["-3", "+1.5", "-0.25", "-1e5", "12", "2026-CASE-7", "", "a=1", " =1"])
def test_numbers_and_plain_text_are_left_as_written(text):
    assert csv_cell(text) == text


@pytest.mark.parametrize("text", ["'=1", "'", "'quoted'"])
def test_a_value_that_starts_with_a_quote_gets_one_more_so_the_export_reads_back_exactly(text):
    assert csv_cell(text) == "'" + text
    assert csv_cell(text)[1:] == text


def test_it_writes_none_as_an_empty_cell_and_numbers_as_text():
    assert next(csv_stream([[None, 7, -2, "=x"]])) == ",7,-2,'=x\r\n"


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def disclosures_with_formulas(officer, operator, municipality, camera, media) -> None:
    """Formula text typed where people type: an order's case number, a footage request's purpose and case."""
    police = APIClient()
    police.force_login(officer)
    order = police.post(
        "/api/v1/orders/",
        {"plate": "12가3456", "crime": "robbery", "legal_basis": "18-2-7", "case_number": ORDER_CASE},
        format="json",
    )
    assert order.status_code == 201, order.content
    centre = APIClient()
    centre.credentials(HTTP_AUTHORIZATION=f"Bearer {integration_key_make(municipality=municipality)}")
    reads = centre.post(
        "/api/v1/reads/", json.dumps({"reads": [a_read(camera.code, "12가3456")]}), content_type="application/json"
    )
    assert reads.json()["accepted"] == 1
    sighting = Sighting.objects.get()
    request = police.post(
        "/api/v1/footage-requests/",
        {"sighting": str(sighting.pk), "purpose": PURPOSE, "case_number": FOOTAGE_CASE},
        format="json",
    )
    assert request.status_code == 201, request.content
    centre_person = APIClient()
    centre_person.force_login(operator)
    footage_request = FootageRequest.objects.get()
    approved = centre_person.post(
        f"/api/v1/footage-requests/{footage_request.pk}/approve/", {"files": [jpeg_upload("@clip.jpg")]}
    )
    assert approved.status_code == 200, approved.content
    assert DisclosureEntry.objects.count() == 2


def test_the_ledger_export_quotes_formulas_typed_by_officers(client, auditor, disclosures_with_formulas):
    client.force_login(auditor)
    response = client.get("/audit/ledger.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(body)))
    records = {record["kind"]: record for record in (dict(zip(header, row, strict=True)) for row in rows)}
    assert records["location"]["case_number"] == "'" + ORDER_CASE
    assert records["footage"]["purpose"] == "'" + PURPOSE
    assert records["footage"]["case_number"] == "'" + FOOTAGE_CASE
    assert all(not cell.startswith(FORMULA_TRIGGERS) for row in rows for cell in row)
    # Everything else is exported as stored: the sequence numbers still read as numbers.
    assert sorted(int(record["sequence"]) for record in records.values()) == [1, 2]
