"""The national shape: every municipal centre posting reads as its cameras make them.

Run with `manage.py benchmark national` (docs/PERFORMANCE.md, "National shape"). It needs PostgreSQL and Redis
and a scratch database. It loads the reference data (all 229 municipalities), gives each municipality cameras
and one integration key, starts one daphne and one Celery worker as the ingest benchmark does (or uses running
ones with --url), and measures two things from one Python process with asyncio and plain HTTP/1.1 keep-alive:

- capacity: N clients, each posting batches of B reads closed loop (the next POST when the last is answered),
  for each N and B asked; the static-file floor of the same server at the same N in the same run, and the
  ratio of the POST rate to it;
- the feed: one client per municipality, open loop, each posting once a second a batch sized so the total is
  the target rate, with WebSocket clients connected and probe reads (plates of active orders) inside the
  batches; accepted reads/s, queue drain time after the last POST, hits stored against expected, and alert
  latency from the 202 that carried the probe to its frame at every client.

Every loop is bounded in time and count, and every connection goes to loopback.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import resource
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import orjson

from sightings.bench.alerts import Listeners, Probe, officers_prepare, probes_measure
from sightings.bench.ingest import (
    IngestOptions,
    _queue_length,
    _queue_wait_empty,
    _servers,
    _services_problem,
    _warm_up,
    fixture_prepare,
    machine_description,
    non_matching_plates,
)
from sightings.bench.simulation import Poster

NATIONAL_KEY_NAME = "benchmark national"
CAMERA_PREFIX = "NAT"
STATIC_PATH = "/static/css/app.css"
READS_PATH = "/api/v1/reads/"
CONNECT_AT_ONCE = 50  # new connections opened concurrently: a burst of 1,000 SYNs overflows the listen backlog
TIMEOUT = -1  # the status recorded when no answer came in time
TARGETS = {"feed_reads_per_s": 20_000, "drain_s": 5.0, "alerts_p50_ms": 50.0, "alerts_p99_ms": 250.0}


@dataclass
class NationalOptions:
    part: str = "both"  # capacity, feed or both
    clients: list[int] = field(default_factory=lambda: [8, 64, 229, 1000])
    batches: list[int] = field(default_factory=lambda: [1, 20, 100])
    cell_seconds: float = 5
    rate: float = 20_000
    duration: float = 60
    listeners: int = 200
    probes_per_s: float = 5
    cameras_per_municipality: int = 4
    orders: int = 1000
    worker_processes: int = 2
    request_timeout: float = 30
    drain_timeout: float = 120
    url: str | None = None
    seed: int = 2026


@dataclass
class Centre:
    municipality: str
    key: str
    cameras: list[str]


# --------------------------------------------------------------------------------------------------------
# Setup
# --------------------------------------------------------------------------------------------------------


def national_fixture(options: NationalOptions) -> list[Centre]:
    """Every municipality of the reference data with its cameras and one fresh integration key (idempotent)."""
    from django.db import transaction

    from accounts.models import ApiKey
    from accounts.services import api_key_create, api_key_revoke
    from sightings.models import Camera, Municipality
    from sightings.reference import reference_data_load

    rng = random.Random(options.seed)
    reference_data_load()
    with transaction.atomic():
        municipalities = list(Municipality.objects.exclude(code__startswith="99").order_by("code"))
        existing = set(Camera.objects.filter(code__startswith=f"{CAMERA_PREFIX}-").values_list("code", flat=True))
        Camera.objects.bulk_create(
            Camera(
                municipality=municipality,
                code=code,
                name=code,
                lat=municipality.lat + rng.uniform(-0.03, 0.03),
                lon=municipality.lon + rng.uniform(-0.03, 0.03),
            )
            for municipality in municipalities
            for code in _camera_codes(municipality.code, options.cameras_per_municipality)
            if code not in existing
        )
        for old in ApiKey.objects.filter(name=NATIONAL_KEY_NAME, revoked_at__isnull=True):
            api_key_revoke(api_key=old)
        return [
            Centre(
                municipality=municipality.code,
                key=api_key_create(name=NATIONAL_KEY_NAME, municipality=municipality)[1],
                cameras=_camera_codes(municipality.code, options.cameras_per_municipality),
            )
            for municipality in municipalities
        ]


def _camera_codes(municipality: str, n: int) -> list[str]:
    return [f"{CAMERA_PREFIX}-{municipality}-{i:02d}" for i in range(n)]


def _open_files_raise() -> None:
    """A thousand clients and the server's thousand ends need more descriptors than the usual soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 16_384 if hard == resource.RLIM_INFINITY else min(hard, 16_384)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class Reads:
    """Request bodies made as they are sent: fresh read ids, the centre's own cameras, plates matching nothing."""

    def __init__(self, rng: random.Random, plates: Iterable[str]) -> None:
        self.rng = rng
        self.plates = list(plates)

    def read(self, centre: Centre, plate: str | None = None) -> dict:
        rng = self.rng
        return {
            "read_id": str(uuid.uuid4()),
            "camera": centre.cameras[rng.randrange(len(centre.cameras))],
            "plate": plate or self.plates[rng.randrange(len(self.plates))],
            "seen_at": dt.datetime.now(dt.UTC).isoformat(),
            "confidence": 0.9,
        }

    def body(self, centre: Centre, n: int, probe_plates: Iterable[str] = ()) -> tuple[bytes, list[str]]:
        """The JSON body of n reads, the last ones carrying probe plates; returns it with the probes' read ids."""
        probes = [self.read(centre, plate) for plate in probe_plates]
        reads = [self.read(centre) for _ in range(max(0, n - len(probes)))] + probes
        return orjson.dumps({"reads": reads}), [read["read_id"] for read in probes]


# --------------------------------------------------------------------------------------------------------
# HTTP/1.1 over asyncio streams
# --------------------------------------------------------------------------------------------------------


class HttpConnection:
    """One keep-alive HTTP/1.1 connection; reopened after an error or a server's close. Loopback only."""

    def __init__(self, url: str, *, timeout: float, connect_gate: asyncio.Semaphore) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"{url!r}: the national benchmark posts to plain HTTP on loopback only")
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout
        self.gate = connect_gate
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.retry_after = 0.0  # seconds, from the last answer's Retry-After (0 without one)

    async def connect(self) -> None:
        """Opens the connection ahead of the first request (a failure is left to the first request)."""
        try:
            async with self.gate:
                self.reader, self.writer = await asyncio.wait_for(
                    asyncio.open_connection(self.host, self.port), self.timeout
                )
        except (OSError, TimeoutError):
            self.close()

    async def request(self, method: str, path: str, *, body: bytes = b"", key: str | None = None) -> tuple[int, bytes]:
        """(status, body): 0 when the connection failed, TIMEOUT when no answer came within the timeout."""
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        if key:
            head += [f"Authorization: Bearer {key}", "Content-Type: application/json"]
        message = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        for attempt in range(2):
            fresh = self.writer is None
            try:
                if fresh:
                    async with self.gate:
                        self.reader, self.writer = await asyncio.wait_for(
                            asyncio.open_connection(self.host, self.port), self.timeout
                        )
                self.writer.write(message)
                status, payload, close = await asyncio.wait_for(self._response(), self.timeout)
            except TimeoutError:
                self.close()
                return TIMEOUT, b""
            except (OSError, asyncio.IncompleteReadError, ValueError):
                self.close()
                if fresh or attempt:  # a kept-alive connection the server had closed is tried once more
                    return 0, b""
                continue
            if close:
                self.close()
            return status, payload
        return 0, b""

    async def _response(self) -> tuple[int, bytes, bool]:
        reader = self.reader
        status_line = await reader.readline()
        if not status_line:
            raise asyncio.IncompleteReadError(b"", None)
        status = int(status_line.split(b" ", 2)[1])
        headers: dict[bytes, bytes] = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            chunks = []
            while size := int((await reader.readline()).split(b";")[0], 16):
                chunks.append(await reader.readexactly(size))
                await reader.readline()
            await reader.readline()
            payload = b"".join(chunks)
        else:
            payload = await reader.readexactly(int(headers.get(b"content-length", b"0")))
        try:
            self.retry_after = float(headers.get(b"retry-after", b"0"))
        except ValueError:
            self.retry_after = 0.0
        return status, payload, headers.get(b"connection", b"").lower() == b"close"

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Tally:
    """Answers by kind, accepted reads and POST latencies of one measurement."""

    requests: int = 0
    accepted_reads: int = 0
    statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    latencies: list[float] = field(default_factory=list)  # seconds
    refusal_latencies: list[float] = field(default_factory=list)  # of the 429 and 503 answers alone

    def record(self, status: int, payload: bytes, latency: float) -> None:
        self.requests += 1
        self.latencies.append(latency)
        if status in (429, 503):
            self.refusal_latencies.append(latency)
        self.statuses[_status_kind(status)] += 1
        if status == 202 and payload:
            self.accepted_reads += orjson.loads(payload).get("accepted", 0)

    def summary(self, seconds: float) -> dict[str, object]:
        ordered = sorted(self.latencies)
        return {
            "seconds": round(seconds, 2),
            "requests": self.requests,
            "requests_per_s": round(self.requests / seconds, 1) if seconds else 0.0,
            "accepted_reads": self.accepted_reads,
            "accepted_reads_per_s": round(self.accepted_reads / seconds) if seconds else 0,
            "latency_ms": {
                "p50": _quantile_ms(ordered, 0.50),
                "p99": _quantile_ms(ordered, 0.99),
                "max": _quantile_ms(ordered, 1.0),
            },
            "answers": {kind: self.statuses.get(kind, 0) for kind in ANSWER_KINDS},
            # The target for answers over capacity: a fast refusal, not a late one.
            "refusal_latency_ms": {"p99": _quantile_ms(sorted(self.refusal_latencies), 0.99)},
        }


ANSWER_KINDS = ("2xx", "429", "503", "5xx", "4xx", "connection_error", "timeout")


def _status_kind(status: int) -> str:
    if status == TIMEOUT:
        return "timeout"
    if status == 0:
        return "connection_error"
    if 200 <= status < 300:
        return "2xx"
    if status in (429, 503):
        return str(status)
    return "5xx" if status >= 500 else "4xx"


def _quantile_ms(ordered: list[float], q: float) -> float:
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1) if ordered else 0.0


# --------------------------------------------------------------------------------------------------------
# (a) Capacity: closed loop
# --------------------------------------------------------------------------------------------------------


async def closed_loop(
    url: str,
    *,
    clients: int,
    seconds: float,
    request: Callable[[int], tuple[str, str, bytes, str | None]],
    timeout: float,
) -> dict[str, object]:
    """`clients` connections, each sending request(client) -> (method, path, body, key) until `seconds` pass.

    Every client connects first and the clock starts when all are connected, as the centres' forwarders keep
    their connections open: otherwise the first request of the last of 1,000 clients would count its wait for
    a connection among the answers' latencies.
    """
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)
    tally = Tally()
    connections = [HttpConnection(url, timeout=timeout, connect_gate=gate) for _ in range(clients)]
    await asyncio.gather(*(connection.connect() for connection in connections))
    stop_at = time.monotonic() + seconds

    async def client(index: int) -> None:
        connection = connections[index]
        try:
            while time.monotonic() < stop_at:
                method, path, body, key = request(index)
                started = time.perf_counter()
                status, payload = await connection.request(method, path, body=body, key=key)
                tally.record(status, payload, time.perf_counter() - started)
                if status in (0, TIMEOUT):
                    await asyncio.sleep(0.05)  # a refused connection answers at once: do not spin on it
                elif status in (429, 503) and connection.retry_after:
                    # As a centre's forwarder does (docs/INGEST.md): the same batch again after Retry-After.
                    await asyncio.sleep(min(connection.retry_after, max(0.0, stop_at - time.monotonic())))
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return tally.summary(time.perf_counter() - started)


def capacity_run(url: str, centres: list[Centre], reads: Reads, options: NationalOptions, say) -> list[dict]:
    """Every (N, B) cell closed loop, each N also against the static file; the queue is drained between cells."""
    cells = []
    for clients in options.clients:
        static = asyncio.run(
            closed_loop(
                url,
                clients=clients,
                seconds=options.cell_seconds,
                request=lambda _: ("GET", STATIC_PATH, b"", None),
                timeout=options.request_timeout,
            )
        )
        say(
            f"  N={clients:>4} static file: {static['requests_per_s']:,} requests/s, "
            f"p50 {static['latency_ms']['p50']} ms, p99 {static['latency_ms']['p99']} ms, "
            f"answers {_answers_short(static['answers'])}"
        )
        for batch in options.batches:

            def post(index: int, batch: int = batch) -> tuple[str, str, bytes, str]:
                centre = centres[index % len(centres)]
                return "POST", READS_PATH, reads.body(centre, batch)[0], centre.key

            cell = asyncio.run(
                closed_loop(
                    url, clients=clients, seconds=options.cell_seconds, request=post, timeout=options.request_timeout
                )
            )
            cell.update(clients=clients, batch=batch, static_requests_per_s=static["requests_per_s"])
            # Served POSTs against served static files: a refusal is not capacity.
            served = cell["answers"]["2xx"] / cell["seconds"] if cell["seconds"] else 0.0
            static_served = static["answers"]["2xx"] / static["seconds"] if static["seconds"] else 0.0
            cell["accepted_requests_per_s"] = round(served, 1)
            cell["ratio_to_static"] = round(served / static_served, 3) if static_served else None
            cell["queue_drained_s"] = _round(_queue_wait_empty(timeout=options.drain_timeout))
            say(
                f"  N={clients:>4} B={batch:>3}: {cell['accepted_reads_per_s']:,} reads/s, "
                f"{cell['requests_per_s']:,} requests/s, {cell['accepted_requests_per_s']:,} served "
                f"({cell['ratio_to_static']} of static), p50 {cell['latency_ms']['p50']} ms, p99 "
                f"{cell['latency_ms']['p99']} ms, refusals p99 {cell['refusal_latency_ms']['p99']} ms, "
                f"answers {_answers_short(cell['answers'])}, queue drained in {cell['queue_drained_s']} s"
            )
            cells.append(cell)
    return cells


def _answers_short(answers: dict[str, int]) -> str:
    return " ".join(f"{kind}:{count}" for kind, count in answers.items() if count) or "none"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# --------------------------------------------------------------------------------------------------------
# (b) The feed: open loop, one client per centre, with alerts
# --------------------------------------------------------------------------------------------------------


def batch_sizes(total: float, clients: int) -> list[int]:
    """Reads per second for each client so that together they offer `total` reads per second."""
    base, extra = divmod(round(total), clients)
    return [base + (1 if i < extra else 0) for i in range(clients)]


async def feed(
    url: str,
    centres: list[Centre],
    reads: Reads,
    options: NationalOptions,
    order_plates: list[str],
    say: Callable[[str], None],
) -> tuple[dict[str, object], list[Probe], float]:
    """Each centre posts once a second, its ticks spread over the second; a tick whose last POST is still out
    is sent on another connection of the centre's (open loop: the offered rate does not bend to the server).
    Returns the summary, the probes and the moment (time.monotonic()) the last POST was answered."""
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)
    sizes = batch_sizes(options.rate, len(centres))
    idle: list[list[HttpConnection]] = [[] for _ in centres]
    tally = Tally()
    probes: list[Probe] = []
    rng = random.Random(options.seed + 7)
    sent_reads = 0
    in_flight: set[asyncio.Task] = set()
    most_connections = 0
    open_connections = 0

    async def send(index: int, body: bytes, probe_ids: list[str]) -> None:
        nonlocal open_connections, most_connections
        pool = idle[index]
        if pool:
            connection = pool.pop()
        else:
            connection = HttpConnection(url, timeout=options.request_timeout, connect_gate=gate)
            open_connections += 1
            most_connections = max(most_connections, open_connections)
        mine = [Probe(read_id=read_id, sent=time.time()) for read_id in probe_ids]
        started = time.perf_counter()
        status, payload = await connection.request("POST", READS_PATH, body=body, key=centres[index].key)
        tally.record(status, payload, time.perf_counter() - started)
        for probe in mine:
            probe.status = status
            if status == 202:
                probe.accepted = time.time()
        probes.extend(mine)
        pool.append(connection)

    started = time.monotonic()
    next_progress = started + 5
    probes_due = 0.0
    ticks = sorted(
        (second + i / len(centres), i) for second in range(int(options.duration)) for i in range(len(centres))
    )
    for due, index in ticks:
        wait = started + due - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        probe_plates = []
        while options.probes_per_s > 0 and probes_due <= due and order_plates:
            probe_plates.append(order_plates[rng.randrange(len(order_plates))])
            probes_due += 1 / options.probes_per_s
        body, probe_ids = reads.body(centres[index], max(sizes[index], len(probe_plates)), probe_plates)
        sent_reads += max(sizes[index], len(probe_plates))
        task = asyncio.ensure_future(send(index, body, probe_ids))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        if time.monotonic() >= next_progress:
            next_progress += 5
            elapsed = time.monotonic() - started
            say(
                f"  {elapsed:4.0f} s  sent {sent_reads:,} reads, accepted {tally.accepted_reads:,}, "
                f"answers {_answers_short(tally.statuses)}, in flight {len(in_flight)}, queue {_queue_length()}"
            )
    lag = max(0.0, time.monotonic() - started - options.duration)
    if in_flight:
        await asyncio.wait(in_flight, timeout=options.request_timeout + 5)
    last_answer = time.monotonic()
    for pool in idle:
        for connection in pool:
            connection.close()
    summary = tally.summary(last_answer - started)
    summary.update(
        offered_reads_per_s=round(sent_reads / options.duration),
        sent_reads=sent_reads,
        clients=len(centres),
        batch_per_client=f"{min(sizes)}-{max(sizes)}",
        most_connections=most_connections,
        sender_late_s=round(lag, 2),
    )
    return summary, probes, last_answer


def feed_run(
    url: str, centres: list[Centre], reads: Reads, options: NationalOptions, order_plates: list[str], say
) -> dict[str, object]:
    keys = officers_prepare(options.listeners) if options.listeners else []
    listeners = Listeners(ws_url=url.replace("http", "ws", 1), keys=keys)
    with ExitStack() as stack:
        if keys:
            say(f"  connecting {len(keys)} WebSocket clients…")
            listeners.start()
            stack.callback(listeners.stop)
        say(
            f"  {len(centres)} clients open loop, {options.rate:,.0f} reads/s in all for {options.duration:g} s, "
            f"{options.probes_per_s:g} probes/s…"
        )
        summary, probes, last_answer = asyncio.run(feed(url, centres, reads, options, order_plates, say))
        drained = _queue_wait_empty(timeout=options.drain_timeout)
        summary["queue_drained_after_last_post_s"] = (
            None if drained is None else round(time.monotonic() - last_answer, 2)
        )
        clients = max(listeners.connected, 1)
        alerts = probes_measure(listeners, probes, clients=clients, drain_seconds=options.drain_timeout)
        alerts["websocket_clients"] = listeners.connected
        alerts["listener_errors"] = listeners.errors[:10]
        alerts.pop("latencies_ms", None)
        if not keys:  # no sockets: only whether each probe's hit was stored counts
            alerts["frames_lost"] = 0
        summary["hits"] = {"expected": alerts["probes_accepted"], "stored": alerts["probes_stored"]}
        summary["alerts"] = alerts
    latency = summary["alerts"]["latency_ms"]
    summary["meets_targets"] = bool(
        summary["accepted_reads_per_s"] >= TARGETS["feed_reads_per_s"]
        and summary["queue_drained_after_last_post_s"] is not None
        and summary["queue_drained_after_last_post_s"] <= TARGETS["drain_s"]
        and summary["hits"]["expected"] == summary["hits"]["stored"]
        and summary["alerts"]["probes_lost"] == 0
        and summary["alerts"]["frames_lost"] == 0
        and latency["p50"] <= TARGETS["alerts_p50_ms"]
        and latency["p99"] <= TARGETS["alerts_p99_ms"]
    )
    return summary


# --------------------------------------------------------------------------------------------------------
# The whole benchmark
# --------------------------------------------------------------------------------------------------------


def national_benchmark(options: NationalOptions, *, say: Callable[[str], None]) -> dict[str, object]:
    problem = _services_problem()
    if problem:
        raise RuntimeError(problem.replace("ingest", "national"))
    _open_files_raise()
    say(f"Preparing 229 municipalities with {options.cameras_per_municipality} cameras and a key each…")
    centres = national_fixture(options)
    ingest_options = IngestOptions(
        orders=options.orders, cameras=10, worker_processes=options.worker_processes, url=options.url
    )
    fixture = fixture_prepare(ingest_options)
    rng = random.Random(options.seed)
    say("  choosing plates that match no order…")
    plate = non_matching_plates(rng)
    reads = Reads(rng, {plate() for _ in range(5000)})
    result: dict[str, object] = {"machine": machine_description(), "options": options.__dict__.copy()}
    result["centres"] = len(centres)
    with ExitStack() as stack:
        url = options.url or stack.enter_context(_servers(ingest_options, say))
        _warm_up(Poster(url), fixture, say)
        if options.part in ("capacity", "both"):
            say(
                f"Capacity: closed loop, N in {options.clients}, B in {options.batches}, "
                f"{options.cell_seconds:g} s each…"
            )
            result["capacity"] = capacity_run(url, centres, reads, options, say)
        if options.part in ("feed", "both"):
            say("The feed:")
            result["feed"] = feed_run(url, centres, reads, options, fixture.order_plates, say)
    return result


# -- `manage.py benchmark national` ----------------------------------------------------------------------------


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def national_arguments(parser) -> None:
    defaults = NationalOptions()
    parser.add_argument("--part", choices=("capacity", "feed", "both"), default=defaults.part)
    parser.add_argument("--clients", type=_numbers, default=defaults.clients, help="capacity: N, comma separated")
    parser.add_argument("--batches", type=_numbers, default=defaults.batches, help="capacity: B, comma separated")
    parser.add_argument("--cell-seconds", type=float, default=defaults.cell_seconds, help="capacity: seconds per cell")
    parser.add_argument("--rate", type=float, default=defaults.rate, help="the feed: reads/s offered in all")
    parser.add_argument("--duration", type=float, default=defaults.duration, help="the feed: seconds")
    parser.add_argument("--listeners", type=int, default=defaults.listeners, help="the feed: WebSocket clients")
    parser.add_argument("--probes-per-s", type=float, default=defaults.probes_per_s, help="the feed: probe reads/s")
    parser.add_argument("--cameras-per-municipality", type=int, default=defaults.cameras_per_municipality)
    parser.add_argument("--orders", type=int, default=defaults.orders, help="active orders in the hotlist")
    parser.add_argument("--worker-processes", type=int, default=defaults.worker_processes)
    parser.add_argument("--drain-timeout", type=float, default=defaults.drain_timeout)
    parser.add_argument("--url", help="use a running daphne and worker at this URL (loopback) instead")


def national_run(command, options: dict) -> dict:
    from django.core.management.base import CommandError

    from sightings.bench.ingest import options_from_command, run_for_command

    if (
        not options["clients"]
        or not options["batches"]
        or min(options["clients"]) < 1
        or not 1 <= min(options["batches"]) <= max(options["batches"]) <= 1000
        or options["cell_seconds"] <= 0
        or options["duration"] < 1
        or options["rate"] <= 0
        or options["listeners"] < 0
        or max(options["clients"]) > 5000
    ):
        raise CommandError(
            "--clients 1..5000 and --batches 1..1000 (comma separated), --cell-seconds and --rate positive, "
            "--duration at least 1, --listeners not negative."
        )
    national_options = options_from_command(NationalOptions, options)
    result = run_for_command(national_benchmark, national_options, command.stdout.write)
    command.stdout.write("Summary:")
    for cell in result.get("capacity", []):
        command.stdout.write(
            f"  N={cell['clients']:>4} B={cell['batch']:>3}  {cell['accepted_reads_per_s']:>7,} reads/s  "
            f"{cell['accepted_requests_per_s']:>7,} served/s  {cell['ratio_to_static']} of static "
            f"({cell['static_requests_per_s']:,}/s)  p50 {cell['latency_ms']['p50']} ms  "
            f"p99 {cell['latency_ms']['p99']} ms  refusals p99 {cell['refusal_latency_ms']['p99']} ms  "
            f"{_answers_short(cell['answers'])}"
        )
    if "feed" in result:
        feed_result = result["feed"]
        alerts = feed_result["alerts"]
        command.stdout.write(
            f"  feed: offered {feed_result['offered_reads_per_s']:,} reads/s, accepted "
            f"{feed_result['accepted_reads_per_s']:,}/s, answers {_answers_short(feed_result['answers'])}, "
            f"POST p50 {feed_result['latency_ms']['p50']} ms p99 {feed_result['latency_ms']['p99']} ms; queue "
            f"drained {feed_result['queue_drained_after_last_post_s']} s after the last POST; hits stored "
            f"{feed_result['hits']['stored']}/{feed_result['hits']['expected']}; alerts p50 "
            f"{alerts['latency_ms']['p50']} ms p99 {alerts['latency_ms']['p99']} ms, {alerts['probes_lost']} probes "
            f"and {alerts['frames_lost']} frames lost; "
            + ("MEETS the targets" if feed_result["meets_targets"] else "DOES NOT MEET the targets")
        )
    return result
