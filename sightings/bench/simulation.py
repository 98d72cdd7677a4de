"""Simulated camera traffic posted through the real reads API, at a fixed arrival rate (open loop).

Used by `manage.py simulate` (the demo's moving vehicles) and `manage.py benchmark ingest`. Plain Python
apart from nothing: the callers load cameras, orders and keys from the database and pass them in.

Vehicles drive from camera to nearby camera, across municipality borders, so a wanted vehicle leaves a
trail; a configurable share of reads are wanted vehicles passing, and a small share are misread by one
look-alike character, as real cameras do.
"""

from __future__ import annotations

import datetime as dt
import http.client
import math
import random
import statistics
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import orjson

from sightings.bench.matching import random_plate
from sightings.orders.trail import Place, bearing_deg, distance_km
from sightings.plates import USE_SYLLABLES, WILDCARD
from sightings.reads.matching import LOOKALIKES

MAX_BATCH = 1000
NEIGHBOURS = 4  # a vehicle's next camera is one of the nearest few


@dataclass(frozen=True, slots=True)
class SimCamera:
    code: str
    municipality: str  # administrative code; its integration key posts the read
    lat: float
    lon: float


@dataclass(slots=True)
class Vehicle:
    plate: str
    camera: int  # index into the traffic's cameras
    wanted: bool = False
    routed: bool = False  # drives through the traffic's `via` municipalities in turn
    leg: int = 0  # which of them it is heading for


def pattern_fill(pattern: str, rng: random.Random) -> str:
    """A plate that fits a partial-plate pattern, unknown characters drawn at random."""
    use_position = len(pattern) - 5  # the use syllable sits just before the 4 serial digits
    uses = sorted(USE_SYLLABLES)
    return "".join(
        (rng.choice(uses) if i == use_position else str(rng.randrange(10))) if c == WILDCARD else c
        for i, c in enumerate(pattern)
    )


def misread(plate: str, rng: random.Random) -> str:
    """The plate with one character swapped for a look-alike, as a camera might read it."""
    positions = [i for i, c in enumerate(plate) if c in LOOKALIKES]
    if not positions:
        return plate
    i = rng.choice(positions)
    return plate[:i] + rng.choice(sorted(LOOKALIKES[plate[i]])) + plate[i + 1 :]


class Traffic:
    """Vehicles moving between cameras; `reads(n)` is what the cameras see next."""

    def __init__(
        self,
        cameras: Sequence[SimCamera],
        *,
        wanted_plates: Sequence[str] = (),
        wanted_share: float = 0.001,
        misread_share: float = 0.002,
        vehicles: int = 5000,
        seed: int | None = None,
        via: Sequence[str] = (),
    ) -> None:
        """`via`: municipality codes every other wanted vehicle drives through in turn (the demo sends them
        through the centres its operators sign in to, so they have hits and footage requests to see)."""
        if not cameras:
            raise ValueError("no cameras to simulate")
        self.cameras = list(cameras)
        stops = [[i for i, camera in enumerate(self.cameras) if camera.municipality == code] for code in via]
        self.via = [cameras_there for cameras_there in stops if cameras_there]
        self.rng = random.Random(seed)
        self.wanted_share = wanted_share
        self.misread_share = misread_share
        self.neighbours = _nearest(self.cameras, NEIGHBOURS)
        self.vehicles = [
            Vehicle(random_plate(self.rng), self.rng.randrange(len(self.cameras))) for _ in range(vehicles)
        ]
        self.wanted: list[Vehicle] = []
        self.wanted_set(wanted_plates)

    def wanted_set(self, plates: Sequence[str]) -> None:
        """The wanted vehicles on the road; one already driving keeps its place."""
        current = {vehicle.plate: vehicle for vehicle in self.wanted}
        self.wanted = [
            current.get(plate)
            or Vehicle(plate, self.rng.randrange(len(self.cameras)), wanted=True, routed=bool(self.via) and i % 2 == 0)
            for i, plate in enumerate(plates)
        ]

    def reads(self, n: int, now: dt.datetime) -> list[tuple[str, dict]]:
        """The next n reads as (municipality code, read) pairs; read ids are new UUIDs."""
        rng, out = self.rng, []
        for _ in range(n):
            pool = self.wanted if self.wanted and rng.random() < self.wanted_share else self.vehicles
            vehicle = pool[rng.randrange(len(pool))]
            if vehicle.routed:
                vehicle.camera = self._step_toward(vehicle)
            else:
                vehicle.camera = rng.choice(self.neighbours[vehicle.camera])
            camera = self.cameras[vehicle.camera]
            plate = misread(vehicle.plate, rng) if rng.random() < self.misread_share else vehicle.plate
            read = {
                "read_id": str(uuid.uuid4()),
                "camera": camera.code,
                "plate": plate,
                "seen_at": now.isoformat(),
                "confidence": round(rng.uniform(0.7, 0.99), 2),
            }
            out.append((camera.municipality, read))
        return out

    def _step_toward(self, vehicle: Vehicle) -> int:
        """The next camera of a routed vehicle: a neighbour nearer its next municipality, through it, on to the next."""
        stops = self.via[vehicle.leg % len(self.via)]
        if vehicle.camera in stops:
            vehicle.leg += 1  # passes one more camera there, then heads for the next municipality
            return self.rng.choice(stops)
        target, here = self.cameras[stops[0]], self.cameras[vehicle.camera]
        closer = [
            j for j in self.neighbours[vehicle.camera] if _distance(self.cameras[j], target) < _distance(here, target)
        ]
        # No nearer camera among the neighbours: a stretch of road without cameras, it reappears there.
        return self.rng.choice(closer) if closer else self.rng.choice(stops)


def _distance(a: SimCamera, b: SimCamera) -> float:
    scale = math.cos(math.radians(a.lat))
    return (b.lat - a.lat) ** 2 + ((b.lon - a.lon) * scale) ** 2


def _nearest(cameras: list[SimCamera], k: int) -> list[list[int]]:
    """For each camera, the k nearest other cameras (equirectangular distance is plenty at city scale)."""
    neighbours = []
    for i, a in enumerate(cameras):
        scale = math.cos(math.radians(a.lat))
        ranked = sorted(
            (((b.lat - a.lat) ** 2 + ((b.lon - a.lon) * scale) ** 2, j) for j, b in enumerate(cameras) if j != i)
        )
        neighbours.append([j for _, j in ranked[:k]] or [i])
    return neighbours


def batches_by_key(reads: list[tuple[str, dict]], keys: dict[str, str]) -> list[tuple[str, list[dict]]]:
    """Groups reads per municipality's key, at most MAX_BATCH per POST."""
    grouped: dict[str, list[dict]] = defaultdict(list)
    for municipality, read in reads:
        grouped[municipality].append(read)
    out = []
    for municipality, items in grouped.items():
        for start in range(0, len(items), MAX_BATCH):
            out.append((keys[municipality], items[start : start + MAX_BATCH]))
    return out


class Poster:
    """POSTs JSON bodies to the reads API over one keep-alive connection per thread."""

    def __init__(self, base_url: str, *, path: str = "/api/v1/reads/", timeout: float = 30) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https"):
            raise ValueError(f"{base_url!r} is not an http(s) URL")
        self.scheme, self.host, self.port = parts.scheme, parts.hostname or "127.0.0.1", parts.port
        self.base_path = parts.path.rstrip("/")
        self.path = self.base_path + path
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            connection = cls(self.host, self.port, timeout=self.timeout)
            self._local.connection = connection
        return connection

    def post(self, key: str, body: bytes, *, path: str | None = None) -> tuple[int, dict]:
        """(status, parsed answer); status 0 when the server could not be reached. path: another endpoint."""
        for attempt in range(2):
            connection = self._connection()
            try:
                connection.request(
                    "POST",
                    self.path if path is None else self.base_path + path,
                    body=body,
                    headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
                )
                response = connection.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                self._local.connection = None
                if attempt:
                    return 0, {}
                continue
            try:
                return response.status, orjson.loads(payload) if payload else {}
            except orjson.JSONDecodeError:
                return response.status, {}
        return 0, {}


@dataclass
class LoadStats:
    """What an open-loop run sent and what the server answered."""

    reads_sent: int = 0
    requests: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    failed_requests: int = 0  # not 202: unreachable, 4xx, 5xx
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    latencies: list[float] = field(default_factory=list)  # seconds per POST
    max_lag: float = 0.0  # how late the sender started a tick (the generator itself falling behind)
    elapsed: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, status: int, answer: dict, reads: int, latency: float) -> None:
        with self.lock:
            self.requests += 1
            self.statuses[status] += 1
            self.latencies.append(latency)
            if status == 202:
                self.accepted += answer.get("accepted", 0)
                self.duplicates += answer.get("duplicates", 0)
                self.rejected += len(answer.get("rejected", ()))
            else:
                self.failed_requests += 1

    def latency_ms(self, quantile: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return round(ordered[min(len(ordered) - 1, int(quantile * len(ordered)))] * 1000, 1)

    def summary(self) -> dict[str, object]:
        return {
            "reads_sent": self.reads_sent,
            "requests": self.requests,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "failed_requests": self.failed_requests,
            "statuses": dict(self.statuses),
            "seconds": round(self.elapsed, 2),
            "offered_reads_per_s": round(self.reads_sent / self.elapsed) if self.elapsed else 0,
            "post_latency_ms": {
                "p50": self.latency_ms(0.5),
                "p99": self.latency_ms(0.99),
                "mean": round(statistics.fmean(self.latencies) * 1000, 1) if self.latencies else 0.0,
            },
            "max_sender_lag_s": round(self.max_lag, 3),
        }


def open_loop(
    *,
    rate: float,
    duration: float,
    make_batches: Callable[[int], list[tuple[str, bytes, int]]],
    poster: Poster,
    threads: int = 8,
    tick: float = 0.1,
    progress: Callable[[LoadStats], None] | None = None,
    progress_every: float = 5.0,
    stop: threading.Event | None = None,
    stats: LoadStats | None = None,
) -> LoadStats:
    """Sends `rate` reads per second for `duration` seconds (0: until `stop` is set), on a fixed schedule.

    Every tick the reads due by then are made into batches and handed to a thread pool, whether or not
    earlier POSTs have been answered: a slow server shows as latency and a growing backlog, not as a
    politely lower rate. `make_batches(n)` returns (key, body, reads in body) for n reads.
    """
    stats = stats if stats is not None else LoadStats()  # pass one in to watch it while the run goes
    stop = stop or threading.Event()
    pending: list[Future] = []

    def send(key: str, body: bytes, reads: int) -> None:
        started = time.perf_counter()
        status, answer = poster.post(key, body)
        stats.record(status, answer, reads, time.perf_counter() - started)

    started = time.perf_counter()
    next_progress = started + progress_every
    due = 0.0
    tick_number = 0
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="reads-post") as pool:
        while not stop.is_set():
            tick_at = started + tick_number * tick
            now = time.perf_counter()
            if duration and now - started >= duration:
                break
            if tick_at > now:
                stop.wait(tick_at - now)
                continue
            stats.max_lag = max(stats.max_lag, now - tick_at)
            due += rate * tick
            n = int(due)
            due -= n
            if n:
                for key, body, reads in make_batches(n):
                    stats.reads_sent += reads
                    pending.append(pool.submit(send, key, body, reads))
            pending = [future for future in pending if not future.done()]
            tick_number += 1
            if progress and now >= next_progress:
                stats.elapsed = now - started
                progress(stats)
                next_progress += progress_every
    stats.elapsed = time.perf_counter() - started
    return stats


def traffic_batches(traffic: Traffic, keys: dict[str, str]) -> Callable[[int], list[tuple[str, bytes, int]]]:
    """make_batches for open_loop from simulated traffic."""

    def make(n: int) -> list[tuple[str, bytes, int]]:
        reads = traffic.reads(n, dt.datetime.now(dt.UTC))
        return [(key, orjson.dumps({"reads": items}), len(items)) for key, items in batches_by_key(reads, keys)]

    return make


# Patrol cars of the demo: they drive from camera to nearby camera at city speed, or to the hit they are sent to.
UNIT_SPEED_KMH = 40.0


@dataclass(slots=True)
class SimUnit:
    call_sign: str
    lat: float
    lon: float
    target: tuple[float, float] | None = None
    heading: float | None = None


class UnitPatrol:
    """Patrol cars moving on the map; `step(seconds)` moves each and returns where they are now."""

    def __init__(
        self,
        units: Sequence[tuple[str, float, float]],
        cameras: Sequence[SimCamera],
        *,
        speed_kmh: float = UNIT_SPEED_KMH,
        seed: int | None = None,
    ) -> None:
        self.units = {call_sign: SimUnit(call_sign, lat, lon) for call_sign, lat, lon in units}
        self.cameras = [(camera.lat, camera.lon) for camera in cameras]
        self.speed_kmh = speed_kmh
        self.rng = random.Random(seed)
        self.sent_to: dict[str, tuple[float, float]] = {}

    def send(self, call_sign: str, place: tuple[float, float] | None) -> None:
        """Heads the car for a place (the camera of the hit it was sent to), or back to patrolling (None)."""
        if place is None:
            self.sent_to.pop(call_sign, None)
        else:
            self.sent_to[call_sign] = place

    def _next_target(self, unit: SimUnit) -> tuple[float, float]:
        here = Place(unit.lat, unit.lon)
        nearest = sorted(self.cameras, key=lambda camera: distance_km(here, Place(*camera)))[1 : NEIGHBOURS + 1]
        return self.rng.choice(nearest or self.cameras)

    def step(self, seconds: float) -> list[SimUnit]:
        reach = self.speed_kmh * seconds / 3600
        for unit in self.units.values():
            target = self.sent_to.get(unit.call_sign) or unit.target
            if target is None:
                target = unit.target = self._next_target(unit)
            here, there = Place(unit.lat, unit.lon), Place(*target)
            distance = distance_km(here, there)
            if distance <= reach:
                unit.lat, unit.lon = target
                if unit.call_sign not in self.sent_to:
                    unit.target = self._next_target(unit)
                continue
            unit.heading = bearing_deg(here, there)
            share = reach / distance
            unit.lat += (target[0] - unit.lat) * share
            unit.lon += (target[1] - unit.lon) * share
        return list(self.units.values())


def crew_report(status: str, seconds_in_status: float, *, arrived: bool, rng: random.Random) -> str | None:
    """What a simulated crew sent to a hit reports next, if anything: en route at once, on scene when there,
    then the outcome a minute later."""
    if status == "assigned" and seconds_in_status >= 15:
        return "en_route"
    if status == "en_route" and (arrived or seconds_in_status >= 180):
        return "on_scene"
    if status == "on_scene" and seconds_in_status >= 60:
        return "arrested" if rng.random() < 0.7 else "lost_contact"
    return None
