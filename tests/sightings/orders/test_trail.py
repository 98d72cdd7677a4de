"""Next-camera prediction: nearest cameras around the last sighting, along the direction of travel first."""

from __future__ import annotations

import pytest

from sightings.orders.trail import (
    Place,
    bearing_deg,
    bounding_box,
    distance_km,
    heading_deg,
    next_cameras,
    trail_simplify,
    trail_stops,
)

# A car driving north along a road: two sightings about 1.1 km apart.
NORTHBOUND = [Place(37.600, 126.930), Place(37.610, 126.930)]


def test_distance_and_bearing_are_those_of_a_map():
    seoul_city_hall, gangnam = Place(37.5663, 126.9779), Place(37.4979, 127.0276)
    assert distance_km(seoul_city_hall, gangnam) == pytest.approx(8.8, abs=0.2)
    assert bearing_deg(Place(37.0, 127.0), Place(38.0, 127.0)) == pytest.approx(0.0, abs=0.01)
    assert bearing_deg(Place(37.0, 127.0), Place(37.0, 128.0)) == pytest.approx(90.0, abs=1.0)


def test_the_heading_is_from_the_last_sighting_at_another_place():
    assert heading_deg(NORTHBOUND) == pytest.approx(0.0, abs=0.01)
    assert heading_deg([*NORTHBOUND, Place(37.610, 126.930)]) == pytest.approx(0.0, abs=0.01)
    assert heading_deg([Place(37.6, 126.9)]) is None
    assert heading_deg([]) is None


def test_it_prefers_a_camera_ahead_to_a_nearer_one_behind():
    cameras = [
        ("behind", 37.605, 126.930),  # 0.55 km back the way it came
        ("ahead", 37.618, 126.930),  # 0.9 km further north
        ("side", 37.610, 126.940),  # 0.9 km east
    ]
    ranked = next_cameras(NORTHBOUND, cameras)
    assert [c.key for c in ranked] == ["ahead", "side", "behind"]
    assert ranked[0].ahead and not ranked[2].ahead


def test_without_a_direction_the_nearest_come_first():
    cameras = [("far", 37.65, 126.93), ("near", 37.611, 126.931)]
    assert [c.key for c in next_cameras([Place(37.61, 126.93)], cameras)] == ["near", "far"]


def test_it_leaves_out_the_last_camera_cameras_out_of_range_and_excluded_ones():
    cameras = [
        ("same-place", 37.610, 126.930),
        ("far-away", 35.1, 129.0),  # Busan
        ("excluded", 37.615, 126.930),
        ("kept", 37.620, 126.930),
    ]
    ranked = next_cameras(NORTHBOUND, cameras, exclude={"excluded"})
    assert [c.key for c in ranked] == ["kept"]


def test_it_returns_at_most_the_limit():
    cameras = [(n, 37.611 + n / 1000, 126.93) for n in range(20)]
    assert len(next_cameras(NORTHBOUND, cameras, limit=5)) == 5
    assert next_cameras([], cameras) == []


def test_the_bounding_box_holds_the_radius():
    centre = Place(37.6, 126.9)
    min_lat, max_lat, min_lon, max_lon = bounding_box(centre, 15)
    assert distance_km(centre, Place(max_lat, centre.lon)) == pytest.approx(15, rel=0.01)
    assert distance_km(centre, Place(centre.lat, max_lon)) == pytest.approx(15, rel=0.01)
    assert min_lat < centre.lat < max_lat and min_lon < centre.lon < max_lon


def test_repeated_reads_at_one_camera_fold_into_one_stop():
    a, b = Place(37.5, 127.0), Place(37.6, 127.1)
    stops = trail_stops(
        [("A", a, 1, False), ("A", a, 2, True), ("B", b, 3, True), ("B", b, 4, True), ("A", a, 5, False)]
    )
    assert [(s.key, s.first_seen, s.last_seen, s.reads) for s in stops] == [
        ("A", 1, 2, 2),
        ("B", 3, 4, 2),
        ("A", 5, 5, 1),
    ]
    assert [s.all_misread for s in stops] == [False, True, False]


def test_a_long_trail_is_thinned_to_the_limit_keeping_the_recent_half_whole():
    stops = trail_stops((n, Place(37 + n / 1000, 127.0), n, False) for n in range(1000))
    kept = trail_simplify(stops, limit=200)
    assert len(kept) == 200 and kept[-1] is stops[-1] and kept[0] is stops[0]
    assert kept[100:] == stops[-100:]  # the most recent half as it is
    assert [s.first_seen for s in kept] == sorted(s.first_seen for s in kept)  # still oldest first
    assert trail_simplify(stops[:50], limit=200) == stops[:50]
