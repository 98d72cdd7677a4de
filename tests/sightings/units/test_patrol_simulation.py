"""The demo's patrol cars, without a database: they drive at city speed and a crew sent to a hit reports back."""

from __future__ import annotations

import random

import pytest

from sightings.bench.simulation import SimCamera, UnitPatrol, crew_report
from sightings.orders.trail import Place, distance_km

CAMERAS = [SimCamera(f"C{i}", "11380", 37.60 + i * 0.01, 126.93) for i in range(6)]


def test_cars_drive_at_city_speed_between_cameras():
    patrol = UnitPatrol([("은평12", 37.60, 126.93)], CAMERAS, speed_kmh=36, seed=1)
    [unit] = patrol.step(10)
    assert distance_km(Place(37.60, 126.93), Place(unit.lat, unit.lon)) == pytest.approx(0.1, abs=0.01)


def test_a_car_sent_to_a_hit_drives_there_and_stays():
    patrol = UnitPatrol([("은평12", 37.60, 126.93)], CAMERAS, speed_kmh=60, seed=1)
    patrol.send("은평12", (37.62, 126.93))
    for _ in range(30):
        [unit] = patrol.step(5)
    assert (unit.lat, unit.lon) == (37.62, 126.93)


def test_a_crew_reports_en_route_on_scene_then_the_outcome():
    rng = random.Random(0)
    assert crew_report("assigned", 5, arrived=False, rng=rng) is None
    assert crew_report("assigned", 20, arrived=False, rng=rng) == "en_route"
    assert crew_report("en_route", 30, arrived=False, rng=rng) is None
    assert crew_report("en_route", 30, arrived=True, rng=rng) == "on_scene"
    assert crew_report("on_scene", 61, arrived=True, rng=rng) in {"arrested", "lost_contact"}
