"""Alert-latency benchmark: read accepted by the API -> WebSocket frame at every connected client.

Run with `manage.py benchmark alerts` (docs/PERFORMANCE.md, "Alert latency"). It needs PostgreSQL and Redis
and a scratch database. It starts one daphne and one Celery worker (or uses running ones with --url),
connects N real WebSocket clients as N different officers (personal alerts keys, so they spread over the
officer group shards as real users do), offers non-matching background reads open-loop at a fixed rate, and
meanwhile sends matching "probe" reads one per POST at a fixed rate. For each probe it takes the moment the
202 arrived and the moment each client received the frame carrying that read id, on the same host clock.
Baseline in the same run: the same probes and clients with no background load.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from sightings.bench.simulation import Poster, open_loop

# The ingest benchmark's machinery (servers, fixture, reads) is shared; it is imported when a run starts.
BENCH_AGENCY = "benchmark"

BENCH_OFFICER_PREFIX = "benchmark-alerts-"
BENCH_ALERTS_KEY_NAME = "benchmark alerts"
TARGETS_MS = {"p50": 50.0, "p99": 250.0}


@dataclass
class AlertsOptions:
    clients: int = 200
    rate: float = 5000  # background reads/s
    duration: float = 30
    probes_per_s: float = 5
    batch: int = 500
    threads: int = 8
    baseline_probes: int = 25
    orders: int = 1000
    cameras: int = 200
    drain_seconds: float = 15
    url: str | None = None
    seed: int = 2026


@dataclass
class Probe:
    read_id: str
    sent: float  # time.time() when the POST started
    accepted: float | None = None  # time.time() when the 202 arrived
    status: int = 0


@dataclass
class Listeners:
    """N WebSocket clients in one asyncio loop on a background thread; records when each frame arrived."""

    ws_url: str
    keys: list[str]
    # read id -> [(sighting id, arrival time)]: one read may match several orders, each hit is its own frame
    arrivals: dict[str, list[tuple[str, float]]] = field(default_factory=lambda: defaultdict(list))
    connected: int = 0
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="alert-listeners", daemon=True)
        self.sockets: list = []
        self.tasks: list = []

    def start(self, *, timeout: float = 60) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._connect_all(), self.loop).result(timeout)

    async def _connect_all(self) -> None:
        import websockets

        async def connect(key: str) -> None:
            socket = await websockets.connect(
                f"{self.ws_url}/ws/alerts/", additional_headers={"Authorization": f"Bearer {key}"}, max_queue=None
            )
            await socket.send('{"type": "ping"}')
            await asyncio.wait_for(socket.recv(), 10)  # pong: this socket is in its groups
            self.sockets.append(socket)
            self.tasks.append(asyncio.ensure_future(self._listen(socket)))
            self.connected += 1

        for start in range(0, len(self.keys), 25):
            await asyncio.gather(*(connect(key) for key in self.keys[start : start + 25]))

    async def _listen(self, socket) -> None:
        try:
            async for message in socket:
                received = time.time()
                frame = orjson.loads(message)
                if frame.get("type") == "sighting":
                    self.arrivals[frame["read"]].append((frame["id"], received))
        except Exception as error:  # noqa: BLE001 - a dropped client shows as losses, reported below
            self.errors.append(repr(error))

    def stop(self) -> None:
        async def close_all() -> None:
            for socket in self.sockets:
                await socket.close()

        asyncio.run_coroutine_threadsafe(close_all(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def officers_prepare(n: int) -> list[str]:
    """N benchmark officers, each with a fresh personal alerts key; returns the raw keys."""
    from accounts.models import Agency, ApiKey, User
    from accounts.services import api_key_create

    agency, _ = Agency.objects.get_or_create(code=BENCH_AGENCY, defaults={"name": "Benchmark agency"})
    existing = set(User.objects.filter(username__startswith=BENCH_OFFICER_PREFIX).values_list("username", flat=True))
    User.objects.bulk_create(
        User(username=name, role=User.Role.OFFICER, agency=agency)
        for name in (f"{BENCH_OFFICER_PREFIX}{i:04d}" for i in range(n))
        if name not in existing
    )
    ApiKey.objects.filter(name=BENCH_ALERTS_KEY_NAME).delete()
    officers = User.objects.filter(username__startswith=BENCH_OFFICER_PREFIX).order_by("username")[:n]
    return [api_key_create(user=officer, name=BENCH_ALERTS_KEY_NAME, scope="alerts")[1] for officer in officers]


def _post_probes(
    poster: Poster, key: str, fixture, *, count: int, per_second: float, stop: threading.Event, rng: random.Random
) -> list[Probe]:
    """Matching reads, one per POST, on a fixed schedule (open loop); stops early when `stop` is set."""
    from sightings.bench.ingest import _read

    probes: list[Probe] = []
    started = time.perf_counter()
    for index in range(count):
        due = started + index / per_second
        wait = due - time.perf_counter()
        if wait > 0 and stop.wait(wait):
            break
        read = _read(fixture, fixture.order_plates[rng.randrange(len(fixture.order_plates))], rng=rng)
        probe = Probe(read_id=read["read_id"], sent=time.time())
        status, _ = poster.post(key, orjson.dumps({"reads": [read]}))
        probe.status = status
        if status == 202:
            probe.accepted = time.time()
        probes.append(probe)
    return probes


@dataclass
class ProbeTrace:
    """Where one accepted probe's time went, as observed by the benchmark on the host clock (time.time()).

    The database keeps no commit time, so `stored` and `announced` are when the benchmark's poll (every
    POLL_SECONDS) first saw the probe's sighting, and first saw it with a stream position: both are late by
    up to one poll interval.
    """

    read_id: str
    accepted: float
    # sighting id -> first seen stored / first seen with its stream position (only hits of active orders)
    stored: dict[str, float] = field(default_factory=dict)
    announced: dict[str, float] = field(default_factory=dict)


POLL_SECONDS = 0.05
# A probe whose last frame came later than this after its 202 is named in the report as late.
LATE_MS = TARGETS_MS["p99"]


def _probe_sightings(read_ids: list[str]) -> list[tuple[str, str, int | None]]:
    """(read id, sighting id, stream position) of the probes' hits of active orders: one frame at every client."""
    from sightings.models import Sighting, WantedOrderQuerySet

    rows = Sighting.objects.filter(WantedOrderQuerySet.active_q("order__"), read_id__in=read_ids).values_list(
        "read_id", "id", "stream_position"
    )
    return [(str(read), str(sighting), position) for read, sighting, position in rows]


def probes_trace(traces: dict[str, ProbeTrace], *, now: float) -> None:
    """Records, at `now`, which probes' hits are stored and which have been given their stream position."""
    if not traces:
        return
    for read_id, sighting_id, position in _probe_sightings(list(traces)):
        trace = traces[read_id]
        trace.stored.setdefault(sighting_id, now)
        if position is not None:
            trace.announced.setdefault(sighting_id, now)


def probes_complete(listeners: Listeners, traces: dict[str, ProbeTrace], *, clients: int) -> bool:
    """Every accepted probe has a stored hit, and every stored hit has reached every client.

    A probe is a plate of an active order, so a probe with no stored hit yet is still owed, never "expected 0".
    """
    for read_id, trace in traces.items():
        if not trace.stored:
            return False
        received: dict[str, int] = defaultdict(int)
        for sighting_id, _ in listeners.arrivals.get(read_id, ()):
            received[sighting_id] += 1
        if any(received[sighting_id] < clients for sighting_id in trace.stored):
            return False
    return True


def probes_wait(listeners: Listeners, probes: list[Probe], *, clients: int, timeout: float) -> dict[str, ProbeTrace]:
    """Waits until every accepted probe is stored and has all its frames, or `timeout` passes (the drain)."""
    traces = {p.read_id: ProbeTrace(read_id=p.read_id, accepted=p.accepted) for p in probes if p.accepted}
    deadline = time.monotonic() + timeout
    while True:
        probes_trace(traces, now=time.time())
        if probes_complete(listeners, traces, clients=clients) or time.monotonic() >= deadline:
            return traces
        time.sleep(POLL_SECONDS)


def _quantile(ordered: list[float], q: float) -> float:
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else 0.0


def _ms(since: float, moment: float | None) -> float | None:
    return None if moment is None else round((moment - since) * 1000, 1)


def probe_timeline(trace: ProbeTrace, arrivals: list[tuple[str, float]], *, clients: int) -> dict[str, object]:
    """202 -> stored -> announced -> first frame -> last frame, in ms after the 202 (None: never seen)."""
    times = [arrival for _, arrival in arrivals]
    expected = clients * max(1, len(trace.stored))
    return {
        "read_id": trace.read_id,
        "stored_ms": _ms(trace.accepted, min(trace.stored.values(), default=None)),
        "announced_ms": _ms(trace.accepted, max(trace.announced.values(), default=None)),
        "first_frame_ms": _ms(trace.accepted, min(times, default=None)),
        "last_frame_ms": _ms(trace.accepted, max(times, default=None)),
        "hits_stored": len(trace.stored),
        "hits_announced": len(trace.announced),
        "frames": f"{len(arrivals)}/{expected}",
        "lost": not trace.stored or len(arrivals) < expected,
    }


def latency_summary(listeners: Listeners, traces: dict[str, ProbeTrace], *, clients: int) -> dict[str, object]:
    """Latency of every frame from its read's 202, and every late or lost probe with where its time went.

    Each stored hit of an active order is one frame at every client. An accepted probe with no stored hit
    after the drain is LOST (a failure, counted as one hit's frames missing at every client), not expected-0.
    """
    latencies: list[float] = []
    # Where the time goes: until the first client has the frame (web, queue, worker, announcement), and from
    # the first client to the last (the web process writing the same frame to every socket).
    first_frames: list[float] = []
    spreads: list[float] = []
    lost = expected_frames = 0
    late_or_lost: list[dict[str, object]] = []
    lost_probes = 0
    for trace in traces.values():
        arrivals = listeners.arrivals.get(trace.read_id, [])
        expected = clients * max(1, len(trace.stored))
        expected_frames += expected
        lost += max(0, expected - len(arrivals))
        latencies.extend((arrival - trace.accepted) * 1000 for _, arrival in arrivals)
        if arrivals:
            times = [arrival for _, arrival in arrivals]
            first_frames.append((min(times) - trace.accepted) * 1000)
            spreads.append((max(times) - min(times)) * 1000)
        timeline = probe_timeline(trace, arrivals, clients=clients)
        lost_probes += bool(timeline["lost"])
        if timeline["lost"] or (timeline["last_frame_ms"] or 0) > LATE_MS:
            late_or_lost.append(timeline)
    latencies.sort()
    first_frames.sort()
    spreads.sort()
    return {
        "probes_accepted": len(traces),
        "probes_stored": sum(1 for trace in traces.values() if trace.stored),
        "probes_lost": lost_probes,
        "frames_expected": expected_frames,
        "frames_received": len(latencies),
        "frames_lost": lost,
        "late_or_lost_probes": late_or_lost,
        "latency_ms": {
            "p50": _quantile(latencies, 0.50),
            "p95": _quantile(latencies, 0.95),
            "p99": _quantile(latencies, 0.99),
            "max": round(latencies[-1], 1) if latencies else 0.0,
            "mean": round(statistics.fmean(latencies), 1) if latencies else 0.0,
        },
        "first_frame_ms": {"p50": _quantile(first_frames, 0.50), "p99": _quantile(first_frames, 0.99)},
        "first_to_last_client_ms": {"p50": _quantile(spreads, 0.50), "p99": _quantile(spreads, 0.99)},
        "latencies_ms": [round(x, 2) for x in latencies],
    }


def probes_measure(
    listeners: Listeners, probes: list[Probe], *, clients: int, drain_seconds: float
) -> dict[str, object]:
    """Waits for the probes' hits and frames (at most the drain), then summarises; refused POSTs are counted."""
    traces = probes_wait(listeners, probes, clients=clients, timeout=drain_seconds)
    summary = latency_summary(listeners, traces, clients=clients)
    summary["probes_sent"] = len(probes)
    summary["probes_refused"] = _statuses(probes)
    return summary


def _statuses(probes: list[Probe]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for probe in probes:
        if not probe.accepted:
            counts[str(probe.status)] += 1
    return dict(counts)


def alerts_benchmark(options: AlertsOptions, *, say: Callable[[str], None]) -> dict[str, object]:
    from sightings.bench.ingest import (
        IngestOptions,
        _queue_wait_empty,
        _servers,
        _services_problem,
        _warm_up,
        fixture_prepare,
        machine_description,
    )

    problem = _services_problem()
    if problem:
        raise RuntimeError(problem.replace("ingest", "alerts"))
    rng = random.Random(options.seed)
    say(f"Preparing the benchmark municipality, {options.orders:,} orders and {options.clients} officers with keys…")
    ingest_options = IngestOptions(
        rate=options.rate, batch=options.batch, orders=options.orders, cameras=options.cameras, url=options.url
    )
    fixture = fixture_prepare(ingest_options)
    keys = officers_prepare(options.clients)
    result: dict[str, object] = {"machine": machine_description(), "options": options.__dict__.copy()}
    with ExitStack() as stack:
        url = options.url or stack.enter_context(_servers(ingest_options, say))
        poster = Poster(url)
        _warm_up(poster, fixture, say)
        say(f"Connecting {options.clients} WebSocket clients…")
        listeners = Listeners(ws_url=url.replace("http", "ws", 1), keys=keys)
        listeners.start()
        stack.callback(listeners.stop)
        say(f"  {listeners.connected} connected")

        say(f"Baseline: {options.baseline_probes} probes at {options.probes_per_s:g}/s with no background load…")
        quiet = _post_probes(
            poster,
            fixture.key,
            fixture,
            count=options.baseline_probes,
            per_second=options.probes_per_s,
            stop=threading.Event(),
            rng=rng,
        )
        result["baseline_no_load"] = probes_measure(
            listeners, quiet, clients=options.clients, drain_seconds=options.drain_seconds
        )
        _report(say, "baseline", result["baseline_no_load"])
        _queue_wait_empty(timeout=60)

        say(
            f"Loaded: {options.rate:,.0f} background reads/s in batches of {options.batch} for {options.duration:g} s, "
            f"probes at {options.probes_per_s:g}/s…"
        )
        background_rng = random.Random(options.seed + 1)

        from sightings.bench.ingest import background_batcher

        # The frames measured are the probes' alone (an order another benchmark left in the database included).
        background_batches = background_batcher(fixture, batch=options.batch, rng=background_rng)

        stop = threading.Event()
        load_result: dict[str, object] = {}

        def run_load() -> None:
            stats = open_loop(
                rate=options.rate,
                duration=options.duration,
                make_batches=background_batches,
                poster=Poster(url),
                threads=options.threads,
            )
            load_result.update(stats.summary())

        load_thread = threading.Thread(target=run_load, name="background-load")
        load_thread.start()
        loaded = _post_probes(
            Poster(url),
            fixture.key,
            fixture,
            count=int(options.duration * options.probes_per_s),
            per_second=options.probes_per_s,
            stop=stop,
            rng=rng,
        )
        load_thread.join()
        result["loaded"] = probes_measure(
            listeners, loaded, clients=options.clients, drain_seconds=options.drain_seconds
        )
        result["loaded"]["background"] = load_result
        result["listener_errors"] = listeners.errors[:10]
        _report(say, "loaded", result["loaded"])
    loaded_latency = result["loaded"]["latency_ms"]
    result["meets_targets"] = (
        loaded_latency["p50"] <= TARGETS_MS["p50"]
        and loaded_latency["p99"] <= TARGETS_MS["p99"]
        and result["loaded"]["frames_lost"] == 0
        and result["baseline_no_load"]["frames_lost"] == 0
    )
    return result


def _report(say: Callable[[str], None], name: str, summary: dict) -> None:
    latency = summary["latency_ms"]
    say(
        f"  {name}: {summary['frames_received']:,}/{summary['frames_expected']:,} frames "
        f"({summary['frames_lost']} lost) from {summary['probes_stored']}/{summary['probes_accepted']} probes stored "
        f"({summary['probes_lost']} lost); latency p50 {latency['p50']} ms, "
        f"p95 {latency['p95']} ms, p99 {latency['p99']} ms, max {latency['max']} ms; "
        f"first client p50 {summary['first_frame_ms']['p50']} ms, "
        f"first to last client p50 {summary['first_to_last_client_ms']['p50']} ms"
    )
    for line in late_or_lost_lines(summary["late_or_lost_probes"]):
        say(f"    {line}")


def late_or_lost_lines(timelines: list[dict]) -> list[str]:
    """One line per late or lost probe: 202 -> stored -> announced -> first frame -> last frame (ms)."""

    def at(value: float | None) -> str:
        return "never" if value is None else f"{value:g} ms"

    return [
        f"{'LOST' if t['lost'] else 'late'} {t['read_id']}: stored {at(t['stored_ms'])}, "
        f"announced {at(t['announced_ms'])}, first frame {at(t['first_frame_ms'])}, "
        f"last frame {at(t['last_frame_ms'])}, frames {t['frames']}"
        for t in timelines
    ]


def latency_svg(result: dict, path: Path) -> None:
    """Histogram of read-accepted -> frame-received latency, loaded run against the no-load baseline."""
    width, height, pad = 640, 260, 44
    series = [("loaded", "#c62828", result["loaded"]["latencies_ms"])]
    series.append(("no load", "#1f6feb", result["baseline_no_load"]["latencies_ms"]))
    everything = [x for _, _, values in series for x in values]
    if not everything:
        return
    top = max(_quantile(sorted(everything), 0.995), 1.0)
    bins = 40
    step = top / bins
    counts = []
    for _, _, values in series:
        histogram = [0] * bins
        for value in values:
            histogram[min(bins - 1, max(0, int(value / step)))] += 1
        total = max(len(values), 1)
        counts.append([c / total for c in histogram])
    peak = max(max(c) for c in counts) or 1
    bar = (width - 2 * pad) / bins
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        'font-size="11">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="{pad}" y="16" font-size="13">Alert latency, read accepted → frame received (ms)</text>',
    ]
    for (_name, colour, _), fractions in zip(series, counts, strict=True):
        for index, fraction in enumerate(fractions):
            h = (height - 2 * pad) * fraction / peak
            parts.append(
                f'<rect x="{pad + index * bar:.1f}" y="{height - pad - h:.1f}" width="{bar - 1:.1f}" height="{h:.1f}" '
                f'fill="{colour}" fill-opacity="0.5"/>'
            )
    for index, (name, colour, values) in enumerate(series):
        parts.append(
            f'<text x="{width - pad - 170}" y="{34 + 14 * index}" fill="{colour}">{name}: p50 '
            f"{_quantile(sorted(values), 0.5)} p99 {_quantile(sorted(values), 0.99)} ms</text>"
        )
    for tick in range(0, 5):
        value = top * tick / 4
        x = pad + (width - 2 * pad) * tick / 4
        parts.append(f'<text x="{x:.0f}" y="{height - pad + 16}" text-anchor="middle">{value:.0f}</text>')
    parts.append(
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#333" stroke-width="1"/>'
    )
    parts.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts))


# -- `manage.py benchmark alerts` ------------------------------------------------------------------------------


def alerts_arguments(parser) -> None:
    defaults = AlertsOptions()
    parser.add_argument("--clients", type=int, default=defaults.clients, help="connected WebSocket clients")
    parser.add_argument("--rate", type=float, default=defaults.rate, help="background reads/s (open loop)")
    parser.add_argument("--duration", type=float, default=defaults.duration, help="seconds of loaded run")
    parser.add_argument("--probes-per-s", type=float, default=defaults.probes_per_s, help="matching reads/s")
    parser.add_argument("--batch", type=int, default=defaults.batch, help="background reads per POST")
    parser.add_argument("--threads", type=int, default=defaults.threads, help="HTTP connections for the load")
    parser.add_argument("--baseline-probes", type=int, default=defaults.baseline_probes)
    parser.add_argument("--orders", type=int, default=defaults.orders, help="active orders in the hotlist")
    parser.add_argument("--url", help="use a running daphne and worker at this URL instead of starting them")
    parser.add_argument("--svg", type=Path, help="draw the latency histogram into this file")


def alerts_run(command, options: dict) -> dict:
    from django.core.management.base import CommandError

    if options["clients"] < 1 or options["rate"] < 0 or options["duration"] <= 0 or options["probes_per_s"] <= 0:
        raise CommandError("--clients and --probes-per-s must be positive, --rate not negative, --duration > 0.")
    from sightings.bench.ingest import options_from_command, run_for_command

    alerts_options = options_from_command(AlertsOptions, options)
    result = run_for_command(alerts_benchmark, alerts_options, command.stdout.write)
    verdict = "MEETS" if result["meets_targets"] else "DOES NOT MEET"
    command.stdout.write(
        f"{verdict} the targets (p50 <= {TARGETS_MS['p50']:g} ms, p99 <= {TARGETS_MS['p99']:g} ms, none lost) "
        f"with {alerts_options.clients} clients under {alerts_options.rate:,.0f} reads/s"
    )
    if options.get("svg"):
        latency_svg(result, options["svg"])
        command.stdout.write(f"  picture: {options['svg']}")
    for run in ("baseline_no_load", "loaded"):
        result[run].pop("latencies_ms", None)  # the raw samples are for the picture, not the JSON summary
    return result
