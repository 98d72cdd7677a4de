"""End-to-end ingest benchmark: HTTP batches -> daphne -> Redis -> Celery worker -> matched -> hits stored.

Run with `manage.py benchmark ingest` (docs/PERFORMANCE.md). It needs PostgreSQL and Redis (DATABASE_URL,
REDIS_URL) and a scratch database: it adds a benchmark municipality, cameras, 10,000 orders and the hits.
It starts one daphne and one Celery worker as subprocesses (or uses running ones with --url), offers reads
open-loop at a fixed rate for a fixed time, and reports what was accepted, how long the queue took to
drain, and whether every expected hit was stored. Baselines measured in the same run: the endpoint's own
parse-and-check cost in process, and single-read POSTs against batched POSTs.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack, closing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from sightings.bench.matching import random_pattern, random_plate
from sightings.bench.simulation import LoadStats, Poster, open_loop

BENCH_PROVINCE = ("99", "벤치마크도")
BENCH_MUNICIPALITY = ("99001", "벤치마크시")
BENCH_AGENCY = "benchmark"
BENCH_USER = "benchmark-officer"
BENCH_KEY_NAME = "benchmark ingest"
TARGET_READS_PER_S = 20_000


@dataclass
class IngestOptions:
    rate: float = 20_000
    duration: float = 60
    batch: int = 1000
    hit_rate: float = 0.001
    orders: int = 10_000
    cameras: int = 500
    threads: int = 8
    worker_processes: int = 2
    baseline_seconds: float = 10
    drain_timeout: float = 120
    url: str | None = None  # use running servers instead of starting them
    port: int = 0
    seed: int = 2026


@dataclass
class Fixture:
    key: str
    camera_codes: list[str]
    order_plates: list[str]


@dataclass
class QueueSample:
    second: float
    accepted: int
    queued: int


@dataclass
class RunResult:
    load: LoadStats
    expected_hit_reads: set[str] = field(default_factory=set)
    samples: list[QueueSample] = field(default_factory=list)
    drained_after_s: float | None = None
    stored_hit_reads: int = 0
    end_to_end_seconds: float = 0.0


def non_matching_plates(rng: random.Random) -> Callable[[], str]:
    """Random plates that match no active order at all, not even by pattern or look-alike, for background load
    whose hits must not be counted (or multiplied by every connected client) beside the probes'."""
    from sightings.reads.ingest import hotlist_current

    matches_an_order = hotlist_current().hotlist.match

    def plate() -> str:
        while matches_an_order(candidate := random_plate(rng)):
            pass
        return candidate

    return plate


def background_batcher(
    fixture: Fixture, *, batch: int, rng: random.Random
) -> Callable[[int], list[tuple[str, bytes, int]]]:
    """Makes bodies of `batch` reads at most, of plates that match nothing (`non_matching_plates`), for background
    load beside the probes: each call gives (key, body, reads) for `n` reads in all."""
    non_matching_plate = non_matching_plates(rng)

    def batches(n: int) -> list[tuple[str, bytes, int]]:
        made = []
        while n > 0:
            size = min(n, batch)
            reads = [_read(fixture, non_matching_plate(), rng=rng) for _ in range(size)]
            made.append((fixture.key, orjson.dumps({"reads": reads}), size))
            n -= size
        return made

    return batches


Options = TypeVar("Options")


def options_from_command(options_type: type[Options], options: dict[str, Any]) -> Options:
    """A benchmark's options from the management command's arguments, which carry the same names."""
    return options_type(**{f.name: options[f.name] for f in fields(options_type) if f.name in options})


def run_for_command(
    benchmark: Callable[..., dict[str, object]], options: object, say: Callable[[str], None]
) -> dict[str, object]:
    """Runs a benchmark for the command: a missing service or a failed start is a CommandError, not a trace."""
    from django.core.management.base import CommandError

    try:
        return benchmark(options, say=say)
    except RuntimeError as error:
        raise CommandError(str(error)) from None


def ingest_benchmark(options: IngestOptions, *, say: Callable[[str], None]) -> dict[str, object]:
    """Runs the whole benchmark and returns the results as a dict (also printed by the command)."""
    problem = _services_problem()
    if problem:
        raise RuntimeError(problem)
    say("Preparing the benchmark municipality, cameras and orders…")
    fixture = fixture_prepare(options)
    result: dict[str, object] = {"machine": machine_description(), "options": options.__dict__.copy()}
    result["baseline_endpoint_in_process"] = endpoint_cost_in_process(fixture, options)
    say(f"  in-process parse+check: {result['baseline_endpoint_in_process']['reads_per_cpu_s']:,} reads/CPU-s")
    with ExitStack() as stack:
        url = options.url or stack.enter_context(_servers(options, say))
        poster = Poster(url)
        _warm_up(poster, fixture, say)
        say(f"Baseline: single-read POSTs, closed loop, {options.threads} connections, {options.baseline_seconds:g} s…")
        result["baseline_single_read_posts"] = single_read_capacity(poster, fixture, options)
        say(f"  {result['baseline_single_read_posts']['reads_per_s']:,} reads/s")
        _queue_wait_empty(timeout=options.drain_timeout)
        say(
            f"Main run: {options.rate:,.0f} reads/s offered in batches of {options.batch}, "
            f"{options.duration:g} s, {options.hit_rate:.2%} hits…"
        )
        run = batched_run(poster, fixture, options, say)
    result["batched"] = _run_summary(run, options)
    return result


# --------------------------------------------------------------------------------------------------------
# Setup
# --------------------------------------------------------------------------------------------------------


@transaction.atomic
def fixture_prepare(options: IngestOptions) -> Fixture:
    """The benchmark's municipality, cameras, orders and a fresh integration key (idempotent)."""
    from accounts.models import Agency, ApiKey, User
    from accounts.services import api_key_create, api_key_revoke
    from sightings.models import Camera, Municipality, OrderEvent, Province, WantedOrder

    rng = random.Random(options.seed)
    province, _ = Province.objects.get_or_create(
        code=BENCH_PROVINCE[0], defaults={"name": BENCH_PROVINCE[1], "lat": 36.5, "lon": 127.5}
    )
    municipality, _ = Municipality.objects.get_or_create(
        code=BENCH_MUNICIPALITY[0],
        defaults={"name": BENCH_MUNICIPALITY[1], "province": province, "kind": "시", "lat": 36.5, "lon": 127.5},
    )
    existing = set(Camera.objects.filter(municipality=municipality).values_list("code", flat=True))
    codes = [f"BENCH-{i:05d}" for i in range(options.cameras)]
    Camera.objects.bulk_create(
        Camera(
            municipality=municipality,
            code=code,
            name=code,
            lat=36.5 + rng.uniform(-0.1, 0.1),
            lon=127.5 + rng.uniform(-0.1, 0.1),
        )
        for code in codes
        if code not in existing
    )
    agency, _ = Agency.objects.get_or_create(code=BENCH_AGENCY, defaults={"name": "Benchmark agency"})
    officer, _ = User.objects.get_or_create(
        username=BENCH_USER, defaults={"role": User.Role.OFFICER, "agency": agency, "is_active": True}
    )
    # Active for at least the next hour, so none expires during the run.
    active = WantedOrder.objects.active(now=timezone.now() + dt.timedelta(hours=1)).filter(agency=agency)
    missing = options.orders - active.count()
    if missing > 0:
        expires_at = timezone.now() + dt.timedelta(days=30)
        new_orders = []
        for _ in range(missing):
            pattern = rng.random() < 0.1
            new_orders.append(
                WantedOrder(
                    plate="" if pattern else random_plate(rng),
                    pattern=random_pattern(rng) if pattern else "",
                    crime="robbery",
                    legal_basis="18-2-7",
                    case_number="BENCHMARK",
                    issued_by=officer,
                    agency=agency,
                    expires_at=expires_at,
                )
            )
        WantedOrder.objects.bulk_create(new_orders, batch_size=2000)
        # Order changes are what move the hotlist version; one event stands for the whole bulk.
        OrderEvent.objects.create(order=new_orders[-1], kind=OrderEvent.Kind.CREATED, actor=officer, reason="benchmark")
    for old in ApiKey.objects.filter(name=BENCH_KEY_NAME, revoked_at__isnull=True):
        api_key_revoke(api_key=old)
    _, raw = api_key_create(name=BENCH_KEY_NAME, municipality=municipality)
    plates = list(active.exclude(plate="").values_list("plate", flat=True)[: options.orders])
    return Fixture(key=raw, camera_codes=codes, order_plates=plates)


def _services_problem() -> str | None:
    if connection.vendor != "postgresql":
        return "The ingest benchmark needs PostgreSQL: set DATABASE_URL (a scratch database)."
    if not settings.REDIS_URL:
        return "The ingest benchmark needs Redis: set REDIS_URL (a Redis database of its own)."
    return None


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _servers:
    """One daphne and one Celery worker as subprocesses, stopped on exit; yields the base URL."""

    def __init__(self, options: IngestOptions, say: Callable[[str], None]) -> None:
        self.options, self.say, self.processes = options, say, []

    def __enter__(self) -> str:
        port = self.options.port or _free_port()
        env = dict(
            os.environ,
            # The relaxed demo settings (plain HTTP on loopback) without DEBUG, which would keep every query.
            WASSWEB_MODE="demo",
            DEBUG="0",
            LOG_LEVEL="WARNING",
            CELERY_TASK_ALWAYS_EAGER="0",
            READS_RATE_LIMIT=os.environ.get("READS_RATE_LIMIT", "1000000/min"),
        )
        python = Path(sys.executable)
        base = str(settings.BASE_DIR)
        self.say(
            f"Starting daphne on 127.0.0.1:{port} and one Celery worker "
            f"({self.options.worker_processes} process{'es' if self.options.worker_processes > 1 else ''})…"
        )
        self.processes.append(
            subprocess.Popen(  # noqa: S603 - fixed command lines of our own programs
                [
                    str(python.with_name("daphne")),
                    "-v",
                    "0",
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "wassweb.asgi:application",
                ],
                cwd=base,
                env=env,
            )
        )
        self.processes.append(
            subprocess.Popen(  # noqa: S603
                [
                    str(python.with_name("celery")),
                    "-A",
                    "wassweb",
                    "worker",
                    "--pool",
                    "prefork" if self.options.worker_processes > 1 else "solo",
                    "--concurrency",
                    str(self.options.worker_processes),
                    "--loglevel",
                    "WARNING",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--hostname",
                    f"benchmark-{os.getpid()}@%h",
                ],
                cwd=base,
                env=env,
            )
        )
        _wait_for_port(port, timeout=60)
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_for_port(port: int, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"daphne did not listen on {port} within {timeout:g} s")


def _redis():
    from wassweb.redis_client import redis_client

    return redis_client(settings.REDIS_URL)


def _queue_length() -> int:
    """Messages waiting in the default Celery queue plus those a worker holds unacknowledged."""
    client = _redis()
    with client.pipeline(transaction=False) as pipe:
        pipe.llen("celery")
        pipe.hlen("unacked")
        waiting, unacked = pipe.execute()
    return int(waiting) + int(unacked)


def _queue_wait_empty(*, timeout: float) -> float | None:
    """Seconds until the queue is empty twice in a row, or None on timeout."""
    started = time.monotonic()
    empty_in_a_row = 0
    while time.monotonic() - started < timeout:
        empty_in_a_row = empty_in_a_row + 1 if _queue_length() == 0 else 0
        if empty_in_a_row >= 2:
            return time.monotonic() - started
        time.sleep(0.05)
    return None


def _warm_up(poster: Poster, fixture: Fixture, say: Callable[[str], None]) -> None:
    """One batch through the whole path, so the worker has compiled the hotlist before the clock starts."""
    say("Warming up (the worker compiles the hotlist)…")
    reads = [_read(fixture, random_plate(random.Random(i))) for i in range(100)]
    status, answer = poster.post(fixture.key, orjson.dumps({"reads": reads}))
    if status != 202:
        raise RuntimeError(f"warm-up POST answered {status}: {answer}")
    if _queue_wait_empty(timeout=120) is None:
        raise RuntimeError("the worker did not take the warm-up batch within 120 s; is it running?")


def _read(fixture: Fixture, plate: str, *, rng: random.Random | None = None, now: str | None = None) -> dict:
    rng = rng or random
    return {
        "read_id": str(uuid.uuid4()),
        "camera": fixture.camera_codes[rng.randrange(len(fixture.camera_codes))],
        "plate": plate,
        "seen_at": now or dt.datetime.now(dt.UTC).isoformat(),
        "confidence": 0.9,
    }


# --------------------------------------------------------------------------------------------------------
# Baselines
# --------------------------------------------------------------------------------------------------------


def endpoint_cost_in_process(fixture: Fixture, options: IngestOptions) -> dict[str, object]:
    """CPU cost of what the endpoint does per batch, without HTTP: parse, check, and read-id claims."""
    from sightings.reads.ids import read_ids_claim
    from sightings.reads.parse import batch_parse, read_check

    rng = random.Random(options.seed)
    now = dt.datetime.now(dt.UTC)
    cameras = {code: str(uuid.uuid4()) for code in fixture.camera_codes}
    bodies = [
        orjson.dumps({"reads": [_read(fixture, random_plate(rng), rng=rng) for _ in range(options.batch)]})
        for _ in range(20)
    ]
    parse = check = claim = 0.0
    for body in bodies:
        t0 = time.process_time()
        items = batch_parse(body, max_reads=options.batch)
        t1 = time.process_time()
        reads = [read_check(item, cameras=cameras, now=now) for item in items]
        t2 = time.process_time()
        read_ids_claim(municipality_id=0, read_ids=[read.read_id for read in reads])
        t3 = time.process_time()
        parse, check, claim = parse + t1 - t0, check + t2 - t1, claim + t3 - t2
    n = len(bodies) * options.batch
    total = parse + check + claim
    return {
        "reads": n,
        "reads_per_cpu_s": round(n / total) if total else 0,
        "us_per_read": {
            "json_parse": round(parse / n * 1e6, 2),
            "checks": round(check / n * 1e6, 2),
            "read_id_claims": round(claim / n * 1e6, 2),
        },
    }


def single_read_capacity(poster: Poster, fixture: Fixture, options: IngestOptions) -> dict[str, object]:
    """Reads/s with one read per POST, as fast as `threads` connections go (closed loop: a capacity)."""
    stop = threading.Event()
    counts = [0] * options.threads
    statuses: dict[int, int] = {}

    def worker(slot: int) -> None:
        rng = random.Random(slot)
        while not stop.is_set():
            body = orjson.dumps({"reads": [_read(fixture, random_plate(rng), rng=rng)]})
            status, _ = poster.post(fixture.key, body)
            statuses[status] = statuses.get(status, 0) + 1
            if status == 202:
                counts[slot] += 1

    threads = [threading.Thread(target=worker, args=(slot,), daemon=True) for slot in range(options.threads)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    stop.wait(options.baseline_seconds)
    stop.set()
    for thread in threads:
        thread.join(30)
    elapsed = time.perf_counter() - started
    return {"reads_per_s": round(sum(counts) / elapsed), "seconds": round(elapsed, 2), "statuses": statuses}


# --------------------------------------------------------------------------------------------------------
# The main run
# --------------------------------------------------------------------------------------------------------


def batched_run(poster: Poster, fixture: Fixture, options: IngestOptions, say: Callable[[str], None]) -> RunResult:
    rng = random.Random(options.seed + 1)
    result = RunResult(load=LoadStats())
    plates = fixture.order_plates

    # Bodies are made before the clock starts, so the load generator only sends while it is timed.
    total_batches = math.ceil(options.rate * options.duration / options.batch) + 1
    say(f"  preparing {total_batches:,} request bodies…")
    now = dt.datetime.now(dt.UTC).isoformat()
    bodies = []
    for _ in range(total_batches):
        reads = []
        for _ in range(options.batch):
            if plates and rng.random() < options.hit_rate:
                read = _read(fixture, plates[rng.randrange(len(plates))], rng=rng, now=now)
            else:
                read = _read(fixture, random_plate(rng), rng=rng, now=now)
            reads.append(read)
        bodies.append((reads, orjson.dumps({"reads": reads})))
    bodies.reverse()
    hit_plates = set(plates)
    owed = 0

    def make_batches(n: int) -> list[tuple[str, bytes, int]]:
        nonlocal owed
        owed += n
        out = []
        while owed >= options.batch and bodies:
            reads, body = bodies.pop()
            owed -= options.batch
            result.expected_hit_reads.update(read["read_id"] for read in reads if read["plate"] in hit_plates)
            out.append((fixture.key, body, len(reads)))
        return out

    started = time.perf_counter()
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(1.0):
            result.samples.append(
                QueueSample(round(time.perf_counter() - started, 1), result.load.accepted, _queue_length())
            )

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    def progress(stats: LoadStats) -> None:
        say(
            f"  {stats.elapsed:5.0f} s  sent {stats.reads_sent:,}  accepted {stats.accepted:,}  queue {_queue_length()}"
        )

    # A batch is sent whole each tick, so the tick is the time one batch's worth of reads takes to arrive.
    tick = max(0.01, min(1.0, options.batch / options.rate))
    load = open_loop(
        stats=result.load,
        rate=options.rate,
        duration=options.duration,
        make_batches=make_batches,
        poster=poster,
        threads=options.threads,
        tick=tick,
        progress=progress,
    )
    # open_loop waited for every POST to be answered; now wait for the worker to finish the queue.
    sent_done = time.perf_counter()
    drained = _queue_wait_empty(timeout=options.drain_timeout)
    finished = time.perf_counter()
    sampling.set()
    result.drained_after_s = None if drained is None else round(finished - sent_done, 2)
    load.elapsed = sent_done - started
    result.samples.append(QueueSample(round(finished - started, 1), load.accepted, _queue_length()))
    result.stored_hit_reads = _stored_hit_reads(result.expected_hit_reads)
    result.end_to_end_seconds = finished - started
    return result


def _stored_hit_reads(read_ids: set[str]) -> int:
    from sightings.models import Sighting

    ids = list(read_ids)
    stored = 0
    for start in range(0, len(ids), 5000):
        stored += Sighting.objects.filter(read_id__in=ids[start : start + 5000]).values("read_id").distinct().count()
    return stored


def _run_summary(run: RunResult, options: IngestOptions) -> dict[str, object]:
    load = run.load.summary()
    seconds = run.end_to_end_seconds
    accepted = run.load.accepted
    sustained = (
        run.drained_after_s is not None
        and run.drained_after_s <= 5
        and run.load.failed_requests == 0
        and run.stored_hit_reads == len(run.expected_hit_reads)
    )
    return {
        "load": load,
        "end_to_end_reads_per_s": round(accepted / seconds) if seconds else 0,
        "end_to_end_seconds": round(seconds, 2),
        "queue_drained_after_send_s": run.drained_after_s,
        "max_queue_length": max((sample.queued for sample in run.samples), default=0),
        "expected_hit_reads": len(run.expected_hit_reads),
        "stored_hit_reads": run.stored_hit_reads,
        "sustained": sustained,
        "target_reads_per_s": TARGET_READS_PER_S,
        "samples": [sample.__dict__ for sample in run.samples],
    }


# --------------------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------------------


def machine_description() -> dict[str, object]:
    """What the numbers were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration, ValueError):
        memory_kb = 0
    description: dict[str, object] = {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            description["postgresql"] = cursor.fetchone()[0]
        description["redis"] = _redis().info("server").get("redis_version")
    except Exception as error:  # noqa: BLE001 - a description, not a requirement
        description["services_error"] = str(error)
    return description


def throughput_svg(samples: list[dict], *, rate: float, path: Path) -> None:
    """A small picture of accepted reads per second and queue length over the run."""
    if len(samples) < 2:
        return
    width, height, pad = 640, 240, 40
    per_second = [
        (b["second"], (b["accepted"] - a["accepted"]) / max(b["second"] - a["second"], 1e-9), b["queued"])
        for a, b in zip(samples, samples[1:], strict=False)
    ]
    t_max = max(s for s, _, _ in per_second) or 1
    y_max = max(max(r for _, r, _ in per_second), rate) * 1.1 or 1
    q_max = max(max(q for _, _, q in per_second), 1)

    def x(t: float) -> float:
        return pad + (width - 2 * pad) * t / t_max

    def y(v: float, top: float) -> float:
        return height - pad - (height - 2 * pad) * v / top

    accepted = " ".join(f"{x(t):.1f},{y(r, y_max):.1f}" for t, r, _ in per_second)
    queued = " ".join(f"{x(t):.1f},{y(q, q_max):.1f}" for t, _, q in per_second)
    target = y(rate, y_max)
    header = f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
    svg = f"""{header} font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#444"/>
<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#444"/>
<line x1="{pad}" y1="{target:.1f}" x2="{width - pad}" y2="{target:.1f}" stroke="#999" stroke-dasharray="4 3"/>
<text x="{width - pad}" y="{target - 4:.1f}" text-anchor="end" fill="#666">offered {rate:,.0f} reads/s</text>
<polyline points="{accepted}" fill="none" stroke="#1f6feb" stroke-width="2"/>
<polyline points="{queued}" fill="none" stroke="#d1242f" stroke-width="1.5"/>
<text x="{pad}" y="{pad - 10}" fill="#1f6feb">accepted reads/s (max {y_max / 1.1:,.0f})</text>
<text x="{width - pad}" y="{pad - 10}" text-anchor="end" fill="#d1242f">queued batches (max {q_max})</text>
<text x="{pad}" y="{height - pad + 14}" text-anchor="middle">0</text>
<text x="{width - pad}" y="{height - pad + 14}" text-anchor="middle">{t_max:.0f}</text>
<text x="{width / 2}" y="{height - 10}" text-anchor="middle">seconds</text>
</svg>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(svg)
