"""Simulated traffic: vehicles moving between cameras, posted through the real reads API."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.core.management import CommandError, call_command

from sightings.bench.simulation import SimCamera, Traffic, batches_by_key, misread, pattern_fill
from sightings.models import Sighting
from sightings.reads.matching import are_lookalikes
from tests.factories import camera_make, integration_key_make

CAMERAS = [
    SimCamera("A-1", "11380", 37.60, 126.90),
    SimCamera("A-2", "11380", 37.61, 126.91),
    SimCamera("B-1", "11650", 37.62, 126.92),
    SimCamera("B-2", "11650", 37.63, 126.93),
    SimCamera("C-1", "11650", 37.90, 127.50),
]


def test_vehicles_move_to_nearby_cameras_across_municipalities():
    traffic = Traffic(CAMERAS, wanted_plates=["12가3456"], wanted_share=1.0, misread_share=0, seed=1)
    reads = traffic.reads(200, dt.datetime.now(dt.UTC))
    assert {read["plate"] for _, read in reads} == {"12가3456"}
    visited = {read["camera"] for _, read in reads}
    assert {"A-1", "B-1"} <= visited  # the trail crosses from one municipality into the next
    assert len({read["read_id"] for _, read in reads}) == 200


def test_a_share_of_reads_are_wanted_vehicles():
    traffic = Traffic(CAMERAS, wanted_plates=["12가3456"], wanted_share=0.1, misread_share=0, seed=2)
    reads = traffic.reads(5000, dt.datetime.now(dt.UTC))
    share = sum(read["plate"] == "12가3456" for _, read in reads) / len(reads)
    assert 0.07 < share < 0.13


def test_a_misread_differs_by_one_look_alike_character():
    rng = random.Random(3)
    for _ in range(100):
        read = misread("12가3456", rng)
        differences = [(a, b) for a, b in zip("12가3456", read, strict=True) if a != b]
        assert len(differences) == 1 and are_lookalikes(*differences[0])


def test_a_pattern_is_filled_with_a_fitting_plate():
    plate = pattern_fill("45누71**", random.Random(4))
    assert plate.startswith("45누71") and plate[-2:].isdigit()


def test_reads_are_batched_per_municipality_key():
    reads = [("11380", {"n": i}) for i in range(1500)] + [("11650", {"n": 0})]
    batches = batches_by_key(reads, {"11380": "key-a", "11650": "key-b"})
    assert [(key, len(items)) for key, items in batches] == [("key-a", 1000), ("key-a", 500), ("key-b", 1)]


def test_the_command_needs_a_key(db):
    with pytest.raises(CommandError, match="key"):
        call_command("simulate", stdout=io.StringIO())


def test_the_command_refuses_a_key_that_is_not_an_integration_key(officer):
    from accounts.services import api_key_create

    _, raw = api_key_create(name="mine", user=officer)
    with pytest.raises(CommandError, match="not a usable integration key"):
        call_command("simulate", "--key", raw, stdout=io.StringIO())


def test_the_command_posts_reads_that_become_sightings(live_daphne, municipality, camera, order, tmp_path):
    camera_make(municipality=municipality, code="11380-C002", name="연서로", lat=37.63, lon=126.92)
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text(f"# demo keys\n{integration_key_make(municipality=municipality)}\n")
    out = io.StringIO()
    call_command(
        "simulate",
        "--url",
        live_daphne.url,
        "--keys-file",
        str(keys_file),
        "--rate",
        "40",
        "--duration",
        "2",
        "--wanted-share",
        "0.5",
        "--seed",
        "5",
        stdout=out,
    )
    assert "0 failed requests" in out.getvalue()
    assert Sighting.objects.filter(order=order).exists()
