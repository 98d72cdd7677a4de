from __future__ import annotations

import random
import threading
import time
from pathlib import Path
from urllib.parse import quote

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.services import api_key_authenticate
from sightings.bench.simulation import (
    LoadStats,
    Poster,
    SimCamera,
    Traffic,
    UnitPatrol,
    crew_report,
    open_loop,
    pattern_fill,
    traffic_batches,
)
from sightings.models import Camera, PatrolUnit, WantedOrder
from sightings.orders.trail import Place, distance_km

WANTED_REFRESH_SECONDS = 15
UNIT_TICK_SECONDS = 5.0  # above UNIT_POSITION_MIN_INTERVAL_SECONDS: every report is taken


class Command(BaseCommand):
    help = (
        "Posts simulated plate reads through the real reads API: vehicles moving between the cameras of the "
        "municipalities whose integration keys are given, a share of them wanted, a few misread."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="the wassweb server to post to")
        parser.add_argument(
            "--key", action="append", default=[], help="an integration key (repeat for several municipalities)"
        )
        parser.add_argument("--keys-file", type=Path, help="a file with one integration key per line (# comments)")
        parser.add_argument("--rate", type=float, default=50.0, help="reads per second over all cameras")
        parser.add_argument("--duration", type=float, default=60.0, help="seconds to run; 0 runs until stopped")
        parser.add_argument(
            "--wanted-share", type=float, default=0.001, help="share of reads that are wanted vehicles passing"
        )
        parser.add_argument(
            "--misread-share", type=float, default=0.002, help="share of reads misread by one character"
        )
        parser.add_argument("--vehicles", type=int, default=5000, help="ordinary vehicles on the road")
        parser.add_argument("--threads", type=int, default=4, help="concurrent HTTP connections")
        parser.add_argument("--seed", type=int, help="for repeatable traffic")
        parser.add_argument("--wait", type=float, default=30.0, help="seconds to wait for the server to answer")
        parser.add_argument(
            "--via",
            default="",
            help="municipality codes (comma-separated) every other wanted vehicle drives through in turn",
        )
        parser.add_argument(
            "--footage-every",
            type=float,
            default=0.0,
            help="demo only: every so many seconds the demo officer asks a demo centre for footage of a hit; 0 never",
        )

        parser.add_argument(
            "--unit-keys-file",
            type=Path,
            help="patrol unit terminals' keys, one 'call-sign key' per line: the cars drive and report their positions",
        )
        parser.add_argument(
            "--unit-reports",
            action="store_true",
            help="demo: cars sent to a hit report en route, on scene and the outcome as a crew would",
        )
        parser.add_argument(
            "--manual-unit", action="append", default=[], help="a car whose status a person reports (repeatable)"
        )

    def handle(self, *args, **options) -> None:
        raw_keys = list(options["key"])
        if options["keys_file"]:
            try:
                lines = options["keys_file"].read_text().splitlines()
            except OSError as error:
                raise CommandError(f"Cannot read {options['keys_file']}: {error}") from None
            raw_keys += [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
        if not raw_keys:
            raise CommandError("Give at least one integration key (--key or --keys-file).")
        if options["rate"] <= 0 or not 0 <= options["wanted_share"] <= 1 or not 0 <= options["misread_share"] <= 1:
            raise CommandError("--rate must be positive and the shares between 0 and 1.")

        keys: dict[str, str] = {}
        for raw in raw_keys:
            api_key = api_key_authenticate(raw, scope="reads")
            if api_key is None:
                raise CommandError(f"Key {raw[:13]}… is not a usable integration key.")
            keys[api_key.municipality.code] = raw
        cameras = [
            SimCamera(code, municipality, lat, lon)
            for code, municipality, lat, lon in Camera.objects.filter(
                municipality__code__in=keys, active=True, reads_plates=True
            ).values_list("code", "municipality__code", "lat", "lon")
        ]
        if not cameras:
            raise CommandError("The keys' municipalities have no active plate-reading cameras.")

        traffic = Traffic(
            cameras,
            wanted_plates=wanted_plates(),
            wanted_share=options["wanted_share"],
            misread_share=options["misread_share"],
            vehicles=options["vehicles"],
            seed=options["seed"],
            via=[code.strip() for code in options["via"].split(",") if code.strip()],
        )
        poster = Poster(options["url"])
        self.wait_for_server(poster, next(iter(keys.values())), options["wait"])
        self.stdout.write(
            f"Simulating {options['rate']:g} reads/s from {len(cameras)} cameras in {len(keys)} municipalities, "
            f"{len(traffic.wanted)} wanted vehicles on the road, to {options['url']}"
            + (f" for {options['duration']:g} s." if options["duration"] else " until stopped (Ctrl-C).")
        )
        stop = threading.Event()
        refresher = threading.Thread(target=self.refresh_wanted, args=(traffic, stop), daemon=True)
        refresher.start()
        if options["footage_every"] > 0:
            threading.Thread(target=self.request_footage, args=(options["footage_every"], stop), daemon=True).start()
        if options["unit_keys_file"]:
            units = self.unit_keys(options["unit_keys_file"])
            self.stdout.write(f"Driving {len(units)} patrol units, a position every {UNIT_TICK_SECONDS:g} s.")
            threading.Thread(
                target=self.drive_units,
                args=(poster, units, cameras, options["unit_reports"], set(options["manual_unit"]), stop),
                daemon=True,
            ).start()
        try:
            stats = open_loop(
                rate=options["rate"],
                duration=options["duration"],
                make_batches=traffic_batches(traffic, keys),
                poster=poster,
                threads=options["threads"],
                tick=max(0.1, min(1.0, 100 / options["rate"])),
                progress=self.progress,
                progress_every=10.0,
                stop=stop,
            )
        except KeyboardInterrupt:
            stop.set()
            return
        stop.set()
        summary = stats.summary()
        self.stdout.write(
            self.style.SUCCESS(
                f"Sent {summary['reads_sent']} reads in {summary['seconds']} s ({summary['offered_reads_per_s']}/s): "
                f"{summary['accepted']} accepted, {summary['duplicates']} duplicates, {summary['rejected']} rejected, "
                f"{summary['failed_requests']} failed requests; POST p50 {summary['post_latency_ms']['p50']} ms."
            )
        )

    def progress(self, stats: LoadStats) -> None:
        self.stdout.write(
            f"  {stats.elapsed:6.0f} s  sent {stats.reads_sent}  accepted {stats.accepted}  "
            f"rejected {stats.rejected}  failed requests {stats.failed_requests}"
        )

    def wait_for_server(self, poster: Poster, key: str, seconds: float) -> None:
        """The demo starts the simulator next to the server; give the server time to come up."""
        deadline = time.monotonic() + seconds
        while True:
            status, _ = poster.post(key, b'{"reads": []}')
            if status:  # any answer (400 for the empty batch) means it is up
                return
            if time.monotonic() > deadline:
                raise CommandError(f"No answer from {poster.scheme}://{poster.host}:{poster.port}.")
            time.sleep(0.5)

    def refresh_wanted(self, traffic: Traffic, stop: threading.Event) -> None:
        """Orders issued while the simulation runs put their vehicle on the road."""
        while not stop.wait(WANTED_REFRESH_SECONDS):
            try:
                traffic.wanted_set(wanted_plates())
            except Exception as error:  # noqa: BLE001 - a database hiccup must not end the simulation
                self.stderr.write(f"Could not refresh the wanted vehicles: {error}")

    def request_footage(self, every: float, stop: threading.Event) -> None:
        """Keeps the demo operators' queues from running dry: the demo officer asks for footage of a new hit."""
        from sightings.bench.demo_data import demo_footage_request_next

        while not stop.wait(every):
            try:
                made = demo_footage_request_next()
            except Exception as error:  # noqa: BLE001 - a refused or failed request must not end the simulation
                self.stderr.write(f"Could not request footage: {error}")
                continue
            if made is not None:
                self.stdout.write(f"  footage requested from {made.municipality} ({made.camera.code})")

    def unit_keys(self, path: Path) -> dict[str, str]:
        try:
            lines = path.read_text().splitlines()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        pairs = [line.split() for line in lines if line.strip() and not line.lstrip().startswith("#")]
        return {pair[0]: pair[1] for pair in pairs if len(pair) == 2}

    def drive_units(
        self,
        poster: Poster,
        keys: dict[str, str],
        cameras: list[SimCamera],
        reports: bool,
        manual: set[str],
        stop: threading.Event,
    ) -> None:
        """Moves the cars and posts their positions through the units API; sends them to the hits they are given."""
        import orjson

        rng = random.Random(0)
        start = dict.fromkeys(keys, (cameras[0].lat, cameras[0].lon))
        for call_sign, lat, lon in PatrolUnit.objects.filter(call_sign__in=keys).values_list("call_sign", "lat", "lon"):
            if lat is not None:
                start[call_sign] = (lat, lon)
        patrol = UnitPatrol([(sign, *place) for sign, place in start.items()], cameras, seed=0)
        while not stop.wait(UNIT_TICK_SECONDS):
            try:
                sent = {
                    row[0]: row[1:]
                    for row in PatrolUnit.objects.filter(call_sign__in=keys, assignment__isnull=False).values_list(
                        "call_sign", "assignment__camera__lat", "assignment__camera__lon", "status", "status_at"
                    )
                }
                for call_sign in keys:
                    patrol.send(call_sign, sent[call_sign][:2] if call_sign in sent else None)
                for unit in patrol.step(UNIT_TICK_SECONDS):
                    body = {"lat": round(unit.lat, 6), "lon": round(unit.lon, 6), "heading_deg": unit.heading}
                    path = f"/api/v1/units/{quote(unit.call_sign)}/position/"
                    poster.post(keys[unit.call_sign], orjson.dumps(body), path=path)
                if not reports:
                    continue
                now = timezone.now()
                for call_sign, (lat, lon, status, status_at) in sent.items():
                    if call_sign in manual:
                        continue
                    unit = patrol.units[call_sign]
                    arrived = distance_km(Place(unit.lat, unit.lon), Place(lat, lon)) < 0.15
                    report = crew_report(status, (now - status_at).total_seconds(), arrived=arrived, rng=rng)
                    if report:
                        path = f"/api/v1/units/{quote(call_sign)}/status/"
                        poster.post(keys[call_sign], orjson.dumps({"status": report}), path=path)
                        self.stdout.write(f"  {call_sign}: {report}")
            except Exception as error:  # noqa: BLE001 - a database hiccup must not end the simulation
                self.stderr.write(f"Could not move the patrol units: {error}")


def wanted_plates() -> list[str]:
    """A plate for each active order: its own, or one that fits its partial-plate pattern."""
    rng = random.Random(0)  # the same stand-in plate for a pattern on every refresh
    return [
        plate or pattern_fill(pattern, rng)
        for plate, pattern in WantedOrder.objects.active().values_list("plate", "pattern")
    ]
