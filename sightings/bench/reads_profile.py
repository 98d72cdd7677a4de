"""Where one single-read POST to /api/v1/reads/ spends its time, measured in this process.

Run with `manage.py benchmark reads-profile` (docs/PERFORMANCE.md, "Ingest hot path"). It needs PostgreSQL and
Redis and a scratch Redis database: the batches it queues are published to the broker like any other and
purged from the queue afterwards, since no worker runs. Requests go through the project's ASGI application
as daphne hands them over (scope, receive, send), without sockets, so the figures include the middleware
stack and the ASGI handler's hand-off to a thread, but not HTTP parsing. It reports:

- the wall and CPU time per request, sequential and with --concurrency requests in flight;
- what one request costs in round trips: Redis commands sent, Redis connections opened, Redis clients built,
  Celery messages published, SQL statements run (counted from the profile of the sequential pass);
- the functions that took the most time under cProfile (--top).
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import io
import pstats
import random
import sys
import threading
import time
import uuid
from dataclasses import dataclass

import orjson

from sightings.bench.matching import random_plate
from sightings.bench.national import READS_PATH, STATIC_PATH, NationalOptions, national_fixture


def _counted_functions() -> dict[tuple[str, int, str], str]:
    """What one request costs, counted by cProfile's call counts of the functions that do each thing."""
    import inspect

    import redis
    from asgiref.sync import SyncToAsync
    from django.db.backends.utils import CursorWrapper
    from kombu import Producer

    functions = {
        redis.connection.AbstractConnection.send_packed_command: "redis_round_trips",
        Producer.publish: "celery_messages_published",
        CursorWrapper.execute: "sql_statements",
        SyncToAsync.thread_handler: "sync_to_async_hops",
    }
    counted = {
        (inspect.getsourcefile(function), inspect.getsourcelines(function)[1], function.__name__): label
        for function, label in functions.items()
    }
    # Built-ins, as cProfile names them.
    counted[("~", 0, "<method 'connect' of '_socket.socket' objects>")] = "sockets_connected"
    counted[("~", 0, "<built-in method _thread.start_new_thread>")] = "threads_started"
    return counted


@dataclass
class ProfileOptions:
    requests: int = 500
    concurrency: int = 8
    top: int = 25


def reads_profile(options: ProfileOptions, *, say) -> dict[str, object]:
    """Prepares one integration key, then times and profiles single-read POSTs through the ASGI application."""
    from django.conf import settings

    if not (settings.REDIS_URL and settings.DATABASES["default"]["ENGINE"].endswith("postgresql")):
        raise RuntimeError("the profile needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL).")
    if settings.CELERY_TASK_ALWAYS_EAGER:
        raise RuntimeError("set CELERY_TASK_ALWAYS_EAGER=0: the profile measures the publish to the broker.")
    say("Preparing 229 municipalities with cameras and a key each…")
    centre = national_fixture(NationalOptions(cameras_per_municipality=4))[0]
    bodies = _Bodies(centre.key, centre.cameras)

    # The project's application, as daphne serves it (with the reads lane, when READS_FAST_LANE is on).
    from wassweb.asgi import application as app

    result: dict[str, object] = {"options": options.__dict__.copy()}
    try:
        asyncio.run(_sequential(app, bodies, 50))  # warm: caches filled, pools opened, code paths imported
        say(f"Floor: {options.requests} GETs of a static file through the same application, one at a time…")
        result["static_floor"] = asyncio.run(_timed(app, bodies, options.requests, 1, static=True))
        say(f"Sequential: {options.requests} single-read POSTs, one at a time…")
        result["sequential"] = asyncio.run(_timed(app, bodies, options.requests, 1))
        say(f"Concurrent: {options.requests} single-read POSTs, {options.concurrency} in flight…")
        result["concurrent"] = asyncio.run(_timed(app, bodies, options.requests, options.concurrency))
        say("Profiled: the sequential pass again under cProfile, in every thread…")
        with _profiled_threads() as profilers:
            # A fresh application, so the threads it runs requests in start under the profiler (the reads
            # lane keeps a pool of its own, started during the passes above).
            from wassweb.asgi import application_build

            asyncio.run(_sequential(application_build(), bodies, options.requests))
    finally:
        _queue_purge()
    stats = pstats.Stats(*profilers)
    result["per_request"] = _round_trips(stats, options.requests)
    result["profiled_ms_per_request"] = round(stats.total_tt / options.requests * 1000, 2)
    result["top"] = _top(stats, options.top)
    return result


@contextlib.contextmanager
def _profiled_threads():
    """cProfile follows one thread: a profiler for this thread and one for every thread started meanwhile
    (the ASGI handler runs the sync parts of each request in threads of its own)."""
    profilers: list[cProfile.Profile] = []
    lock = threading.Lock()

    def start_in_new_thread(*_: object) -> None:
        sys.setprofile(None)
        profiler = cProfile.Profile()
        with lock:
            profilers.append(profiler)
        profiler.enable()

    main = cProfile.Profile()
    profilers.append(main)
    threading.setprofile(start_in_new_thread)
    main.enable()
    try:
        yield profilers
    finally:
        main.disable()
        threading.setprofile(None)


class _Bodies:
    """Single-read bodies with fresh read ids, so every POST queues a read (none is a duplicate)."""

    def __init__(self, key: str, cameras: list[str]) -> None:
        self.authorization = f"Bearer {key}".encode()
        self.cameras = cameras
        self.rng = random.Random(2026)

    def next(self) -> bytes:
        from django.utils import timezone

        read = {
            "read_id": str(uuid.uuid4()),
            "camera": self.cameras[self.rng.randrange(len(self.cameras))],
            "plate": random_plate(self.rng),
            "seen_at": timezone.now().isoformat(),
            "confidence": 0.9,
        }
        return orjson.dumps({"reads": [read]})


async def _post(app, bodies: _Bodies, *, static: bool = False) -> int:
    """A single-read POST (or, with static, a GET of the static file the national benchmark's floor uses)."""
    body = b"" if static else bodies.next()
    path = STATIC_PATH if static else READS_PATH
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET" if static else "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", bodies.authorization),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    answered = asyncio.Event()
    status = [0]

    async def receive() -> dict:
        if messages:
            return messages.pop()
        await answered.wait()  # the client stays connected until the answer is sent
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]
        elif not message.get("more_body"):
            answered.set()

    await app(scope, receive, send)
    return status[0]


async def _sequential(app, bodies: _Bodies, n: int) -> None:
    for _ in range(n):
        status = await _post(app, bodies)
        if status != 202:
            raise RuntimeError(f"a single-read POST answered {status}, not 202")


async def _timed(app, bodies: _Bodies, n: int, concurrency: int, *, static: bool = False) -> dict[str, float]:
    remaining = [n]
    latencies: list[float] = []

    async def client() -> None:
        while remaining[0] > 0:
            remaining[0] -= 1
            started = time.perf_counter()
            status = await _post(app, bodies, static=static)
            latencies.append(time.perf_counter() - started)
            if status != (200 if static else 202):
                raise RuntimeError(f"{'the static file' if static else 'a single-read POST'} answered {status}")

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    latencies.sort()
    return {
        "requests_per_s": round(n / wall, 1),
        "wall_ms_per_request": round(wall / n * 1000, 2),
        "cpu_ms_per_request": round(cpu / n * 1000, 2),
        "latency_p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
    }


def _round_trips(stats: pstats.Stats, n: int) -> dict[str, float]:
    counted = _counted_functions()
    counts = dict.fromkeys(counted.values(), 0)
    for function, (_, calls, *_) in stats.stats.items():  # type: ignore[attr-defined]
        label = counted.get(function)
        if label is not None:
            counts[label] += calls
    return {label: round(count / n, 2) for label, count in counts.items()}


def _top(stats: pstats.Stats, n: int) -> str:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(n)
    stats.sort_stats("tottime").print_stats(n)
    return out.getvalue()


def _queue_purge() -> None:
    """Drops the batches this profile queued: no worker runs, and the broker is the benchmark's scratch database."""
    from wassweb.celery import app

    app.control.purge()


def reads_profile_arguments(parser) -> None:
    defaults = ProfileOptions()
    parser.add_argument("--requests", type=int, default=defaults.requests, help="single-read POSTs per pass")
    parser.add_argument("--concurrency", type=int, default=defaults.concurrency, help="in flight, concurrent pass")
    parser.add_argument("--top", type=int, default=defaults.top, help="functions listed from the profile")


def reads_profile_run(command, options: dict) -> dict:
    from django.core.management.base import CommandError

    if options["requests"] < 1 or options["concurrency"] < 1 or options["top"] < 0:
        raise CommandError("--requests and --concurrency must be at least 1, --top at least 0.")
    profile_options = ProfileOptions(
        requests=options["requests"], concurrency=options["concurrency"], top=options["top"]
    )
    result = reads_profile(profile_options, say=command.stdout.write)
    for name in ("static_floor", "sequential", "concurrent"):
        timing = result[name]
        command.stdout.write(
            f"  {name:10} {timing['requests_per_s']:>7} requests/s, {timing['wall_ms_per_request']} ms wall and "
            f"{timing['cpu_ms_per_request']} ms CPU per request, p50 {timing['latency_p50_ms']} ms"
        )
    command.stdout.write(
        f"  per request (profiled, {result['profiled_ms_per_request']} ms under cProfile): "
        + ", ".join(f"{label} {count:g}" for label, count in result["per_request"].items())
    )
    if profile_options.top:
        command.stdout.write(result["top"])
    return result
