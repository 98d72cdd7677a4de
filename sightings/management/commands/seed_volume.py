"""`manage.py seed_volume`: a year of national data in a scratch database, for `manage.py benchmark pages`."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sightings.bench.volume import VolumeOptions, volume_refusal, volume_seed


class Command(BaseCommand):
    help = (
        "Fills a scratch PostgreSQL database with a year of national data (orders, sightings, ledger, access log, "
        "footage requests) using COPY. Refuses a database with real people in it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = VolumeOptions()
        parser.add_argument("--sightings", type=int, default=defaults.sightings)
        parser.add_argument("--orders", type=int, default=defaults.orders)
        parser.add_argument("--access-log", type=int, default=defaults.access_log, help="access-log entries")
        parser.add_argument("--footage", type=int, default=defaults.footage, help="footage requests")
        parser.add_argument("--cameras-per-municipality", type=int, default=defaults.cameras_per_municipality)
        parser.add_argument("--days", type=int, default=defaults.days, help="length of the period, ending now")
        parser.add_argument("--seed", type=int, default=defaults.seed, help="same seed and sizes, same rows")
        parser.add_argument("--json", type=Path, help="also write the counts and timings as JSON to this file")

    def handle(self, *args, **options) -> None:
        sizes = ("sightings", "orders", "access_log", "footage", "cameras_per_municipality", "days")
        if any(options[name] < 0 for name in sizes) or options["days"] < 1 or options["orders"] < 1:
            raise CommandError("Sizes must not be negative; --days and --orders at least 1.")
        refusal = volume_refusal()
        if refusal:
            raise CommandError(refusal)
        volume_options = VolumeOptions(**{name: options[name] for name in (*sizes, "seed")})
        self.stdout.write(
            f"Seeding {volume_options.orders:,} orders, {volume_options.sightings:,} sightings, "
            f"{volume_options.access_log:,} access-log entries and {volume_options.footage:,} footage requests "
            f"over {volume_options.days} days (seed {volume_options.seed})…"
        )
        result = volume_seed(volume_options, self.stdout.write)
        counts = ", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in result.counts.items())
        timings = ", ".join(f"{name.replace('_', ' ')} {value} s" for name, value in result.seconds.items())
        self.stdout.write(self.style.SUCCESS(f"Seeded {counts}."))
        self.stdout.write(f"Time: {timings}.")
        if options.get("json"):
            options["json"].parent.mkdir(parents=True, exist_ok=True)
            payload = {"options": asdict(volume_options), **asdict(result)}
            options["json"].write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
