"""Loads the real administrative reference data (provinces and municipalities) shipped in sightings/data."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from sightings.models import Municipality, Province

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@transaction.atomic
def reference_data_load() -> tuple[int, int]:
    """Creates or updates every province and municipality; returns their counts."""
    provinces_by_name: dict[str, Province] = {}
    for row in read_csv("provinces.csv"):
        province, _ = Province.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "lat": float(row["lat"]), "lon": float(row["lon"])}
        )
        provinces_by_name[province.name] = province
    municipalities = read_csv("municipalities.csv")
    for row in municipalities:
        Municipality.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "province": provinces_by_name[row["province"]],
                "kind": row["kind"],
                "lat": float(row["lat"]),
                "lon": float(row["lon"]),
            },
        )
    return len(provinces_by_name), len(municipalities)
