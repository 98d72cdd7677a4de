"""Ranking units for a hit, without a database: straight-line distance, units ahead of the vehicle first."""

from __future__ import annotations

import pytest

from sightings.orders.trail import Place
from sightings.units.nearest import haversine_m, units_rank

CAMERA = Place(37.62, 126.93)


def test_haversine_gives_metres_on_the_ground():
    # One minute of latitude is one nautical mile (1,852 m) within a few metres.
    assert haversine_m(Place(37.0, 127.0), Place(37.0 + 1 / 60, 127.0)) == pytest.approx(1853, abs=5)
    assert haversine_m(CAMERA, CAMERA) == 0


def test_without_a_direction_the_nearest_come_first():
    units = [("far", 37.65, 126.93), ("near", 37.621, 126.93), ("middle", 37.63, 126.93)]
    ranked = units_rank(CAMERA, None, units, limit=10, radius_m=30_000)
    assert [unit.key for unit in ranked] == ["near", "middle", "far"]
    assert {unit.ahead for unit in ranked} == {None}


def test_units_ahead_of_the_vehicle_come_before_nearer_ones_behind_it():
    # Heading north: a unit 3 km north waits for the car; one 300 m south would have to chase it.
    units = [("behind", 37.617, 126.93), ("ahead", 37.647, 126.93), ("ahead-far", 37.66, 126.93)]
    ranked = units_rank(CAMERA, 0.0, units, limit=10, radius_m=30_000)
    assert [unit.key for unit in ranked] == ["ahead", "ahead-far", "behind"]
    assert [unit.ahead for unit in ranked] == [True, True, False]
    assert ranked[0].distance_m == pytest.approx(3000, rel=0.02)


def test_it_keeps_the_limit_and_the_radius():
    units = [(f"u{i}", 37.62 + i * 0.01, 126.93) for i in range(1, 40)]
    ranked = units_rank(CAMERA, None, units, limit=3, radius_m=5_000)
    assert [unit.key for unit in ranked] == ["u1", "u2", "u3"]
    assert len(units_rank(CAMERA, None, units, limit=50, radius_m=5_000)) == 4  # 1.1 km apart: four within 5 km
