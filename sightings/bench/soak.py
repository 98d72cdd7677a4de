"""`manage.py benchmark soak`: minutes of sustained ingest with connected alert clients (docs/PERFORMANCE.md, Soak).

Not a test: it runs one daphne and one Celery worker (as the ingest benchmark does), connects N WebSocket
clients, offers reads open loop at a fixed rate for a bounded time with a few matching probe reads a second,
and samples on the way what would show a slow leak or a slow drift: the resident memory of daphne and of
the worker (its processes summed), the Celery queue, alert latency per time window, and every error (failed
POSTs, dropped sockets, frames that never arrived).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from sightings.bench.simulation import LoadStats, Poster, open_loop

PAGE_BYTES = 4096


@dataclass
class SoakOptions:
    rate: float = 20_000  # background reads/s; the end-to-end target (docs/PERFORMANCE.md)
    duration: float = 300
    clients: int = 200
    probes_per_s: float = 2
    batch: int = 1000
    threads: int = 8
    orders: int = 1000
    cameras: int = 200
    sample_every: float = 10
    windows: int = 3
    worker_processes: int = 2
    drain_seconds: float = 60
    seed: int = 2026


def rss_bytes(pid: int) -> int:
    """Resident memory of one process (0 if it is gone), from /proc."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants (a prefork worker's pool), from /proc."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            with open(f"/proc/{current}/task/{current}/children") as children:
                pending.extend(int(child) for child in children.read().split())
        except OSError:
            continue
    return found


def tree_rss_bytes(pid: int) -> int:
    return sum(rss_bytes(member) for member in process_tree(pid))


def _mb(value: float) -> float:
    return round(value / 1_048_576, 1)


def soak_benchmark(options: SoakOptions, *, say: Callable[[str], None]) -> dict[str, object]:
    from sightings.bench.alerts import Listeners, _post_probes, latency_summary, officers_prepare, probes_wait
    from sightings.bench.ingest import (
        IngestOptions,
        _queue_length,
        _queue_wait_empty,
        _servers,
        _services_problem,
        _warm_up,
        background_batcher,
        fixture_prepare,
        machine_description,
    )

    problem = _services_problem()
    if problem:
        raise RuntimeError(problem.replace("ingest", "soak"))
    ingest_options = IngestOptions(
        rate=options.rate,
        batch=options.batch,
        orders=options.orders,
        cameras=options.cameras,
        worker_processes=options.worker_processes,
    )
    say(f"Preparing {options.orders:,} orders, {options.cameras} cameras and {options.clients} officers with keys…")
    fixture = fixture_prepare(ingest_options)
    keys = officers_prepare(options.clients)
    result: dict[str, object] = {"machine": machine_description(), "options": options.__dict__.copy()}

    with ExitStack() as stack:
        servers = _servers(ingest_options, say)
        url = stack.enter_context(servers)
        daphne_pid, worker_pid = servers.processes[0].pid, servers.processes[1].pid
        poster = Poster(url)
        _warm_up(poster, fixture, say)
        say(f"Connecting {options.clients} WebSocket clients…")
        listeners = Listeners(ws_url=url.replace("http", "ws", 1), keys=keys)
        listeners.start()
        stack.callback(listeners.stop)
        say(f"  {listeners.connected} connected")

        rng = random.Random(options.seed)
        background_rng = random.Random(options.seed + 1)
        # Background reads match nothing: the alert load is the probes' (--probes-per-s), whatever orders
        # other benchmarks left active in the database.
        background_batches = background_batcher(fixture, batch=options.batch, rng=background_rng)

        stats = LoadStats()
        stop = threading.Event()
        samples: list[dict[str, float]] = []
        started = time.monotonic()

        def sample() -> None:
            samples.append(
                {
                    "second": round(time.monotonic() - started, 1),
                    "daphne_rss_mb": _mb(rss_bytes(daphne_pid)),
                    "worker_rss_mb": _mb(tree_rss_bytes(worker_pid)),
                    "queued_batches": _queue_length(),
                    "accepted_reads": stats.accepted,
                    "failed_posts": stats.failed_requests,
                    "listener_errors": len(listeners.errors),
                }
            )

        def sampler() -> None:
            sample()
            while not stop.wait(options.sample_every):
                sample()
                last = samples[-1]
                say(
                    f"  {last['second']:>6.0f} s: daphne {last['daphne_rss_mb']} MB, "
                    f"worker {last['worker_rss_mb']} MB, "
                    f"queue {last['queued_batches']}, accepted {last['accepted_reads']:,}, "
                    f"failed POSTs {last['failed_posts']}"
                )

        say(
            f"Soak: {options.rate:,.0f} reads/s in batches of {options.batch} for {options.duration:g} s, "
            f"{options.probes_per_s:g} probe hits/s to {options.clients} clients, "
            f"a sample every {options.sample_every:g} s…"
        )
        sampler_thread = threading.Thread(target=sampler, name="soak-sampler", daemon=True)
        sampler_thread.start()
        load_thread = threading.Thread(
            target=open_loop,
            kwargs={
                "rate": options.rate,
                "duration": options.duration,
                "make_batches": background_batches,
                "poster": Poster(url),
                "threads": options.threads,
                "stats": stats,
            },
            name="soak-load",
        )
        load_thread.start()
        probes = _post_probes(
            Poster(url),
            fixture.key,
            fixture,
            count=int(options.duration * options.probes_per_s),
            per_second=options.probes_per_s,
            stop=threading.Event(),
            rng=rng,
        )
        load_thread.join()
        drained = _queue_wait_empty(timeout=options.drain_seconds)
        stop.set()
        sampler_thread.join(5)
        sample()
        # Every accepted probe is owed its hit and its frames: wait for them (at most 15 s), then count.
        traces = probes_wait(listeners, probes, clients=options.clients, timeout=15)
        summary = latency_summary(listeners, traces, clients=options.clients)

    result["load"] = stats.summary()
    result["queue_drained_after_s"] = round(drained, 1) if drained is not None else None
    result["samples"] = samples
    result["alerts"] = {k: v for k, v in summary.items() if k != "latencies_ms"}
    result["latency_windows"] = _windows(listeners, probes, traces, options)
    result["memory"] = _memory_growth(samples)
    result["errors"] = {
        "failed_posts": stats.failed_requests,
        "statuses": dict(stats.statuses),
        "listener_errors": listeners.errors[:10],
        "frames_lost": summary["frames_lost"],
    }
    return result


def _windows(listeners, probes, traces: dict, options: SoakOptions) -> list[dict[str, object]]:
    """Alert latency in equal slices of the run: drift shows as later windows getting slower."""
    from sightings.bench.alerts import latency_summary

    if not probes:
        return []
    first, last = probes[0].sent, probes[-1].sent
    width = max((last - first) / options.windows, 1e-9)
    windows = []
    for index in range(options.windows):
        low, high = first + index * width, first + (index + 1) * width
        chosen = [p for p in probes if low <= p.sent < high or (index == options.windows - 1 and p.sent == high)]
        chosen_traces = {p.read_id: traces[p.read_id] for p in chosen if p.read_id in traces}
        summary = latency_summary(listeners, chosen_traces, clients=options.clients)
        windows.append(
            {
                "from_s": round(low - first, 1),
                "to_s": round(high - first, 1),
                "probes": len(chosen),
                "frames_lost": summary["frames_lost"],
                **{k: summary["latency_ms"][k] for k in ("p50", "p95", "p99", "max")},
            }
        )
    return windows


def _memory_growth(samples: list[dict[str, float]]) -> dict[str, object]:
    """RSS at start, after warm-up and at the end, and the growth per minute after warm-up, per process kind.

    The first quarter of the run (at most a minute) is warm-up: caches, connection pools and the allocator fill.
    """
    if len(samples) < 2:
        return {}
    last = samples[-1]
    warm = min(60.0, last["second"] / 4)
    first = next((s for s in samples if s["second"] >= warm and s is not last), samples[0])
    minutes = max((last["second"] - first["second"]) / 60, 1e-9)
    growth = {}
    for name in ("daphne_rss_mb", "worker_rss_mb"):
        growth[name.removesuffix("_rss_mb")] = {
            "start_mb": samples[0][name],
            "after_warm_up_s": first["second"],
            "first_mb": first[name],
            "last_mb": last[name],
            "peak_mb": max(s[name] for s in samples),
            "growth_mb_per_min": round((last[name] - first[name]) / minutes, 2),
        }
    return growth


def soak_arguments(parser) -> None:
    parser.add_argument("--rate", type=float, default=20_000, help="background reads/s offered (open loop)")
    parser.add_argument("--duration", type=float, default=300, help="seconds of load (bounded)")
    parser.add_argument("--clients", type=int, default=200, help="connected WebSocket clients")
    parser.add_argument("--probes-per-s", type=float, default=2, help="matching probe reads per second")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--sample-every", type=float, default=10, help="seconds between memory/queue samples")
    parser.add_argument("--worker-processes", type=int, default=2)
    parser.add_argument("--svg", type=Path, help="draw memory and queue over time into this file")


def soak_run(command, options: dict) -> dict:
    from django.core.management.base import CommandError

    if options["duration"] <= 0 or options["duration"] > 3600 or options["rate"] <= 0:
        raise CommandError("--duration must be 1..3600 s and --rate positive.")
    from sightings.bench.ingest import options_from_command, run_for_command

    soak_options = options_from_command(SoakOptions, options)
    result = run_for_command(soak_benchmark, soak_options, command.stdout.write)
    load, alerts, memory, errors = result["load"], result["alerts"], result["memory"], result["errors"]
    command.stdout.write(
        f"  offered {load.get('offered_reads_per_s', soak_options.rate):,} reads/s: {load.get('accepted', 0):,} "
        f"accepted, {errors['failed_posts']} failed POSTs; queue drained {result['queue_drained_after_s']} s after "
        "the last POST"
    )
    for name, figures in memory.items():
        command.stdout.write(
            f"  {name}: RSS {figures['start_mb']} MB at start, {figures['first_mb']} MB after "
            f"{figures['after_warm_up_s']:g} s → {figures['last_mb']} MB at the end (peak {figures['peak_mb']}), "
            f"{figures['growth_mb_per_min']:+} MB/min after warm-up"
        )
    for window in result["latency_windows"]:
        command.stdout.write(
            f"  alerts {window['from_s']:>5.0f}–{window['to_s']:<5.0f} s: p50 {window['p50']} ms, "
            f"p99 {window['p99']} ms, "
            f"max {window['max']} ms, lost {window['frames_lost']}"
        )
    command.stdout.write(
        f"  frames {alerts['frames_received']:,}/{alerts['frames_expected']:,}, lost {alerts['frames_lost']}; "
        f"listener errors {len(errors['listener_errors'])}"
    )
    if options.get("svg"):
        soak_svg(result["samples"], path=options["svg"])
        command.stdout.write(f"  picture: {options['svg']}")
    return result


def soak_svg(samples: list[dict[str, float]], *, path: Path) -> None:
    """Resident memory of daphne and the worker, and the queue, over the run: a leak is a line that keeps rising."""
    width, height, pad = 720, 300, 48
    if len(samples) < 2:
        return
    end = max(s["second"] for s in samples) or 1
    top_mb = max(max(s["daphne_rss_mb"], s["worker_rss_mb"]) for s in samples) * 1.15 or 1
    top_queue = max(max(s["queued_batches"] for s in samples), 1) * 1.15

    def x(second: float) -> float:
        return pad + (width - 2 * pad) * second / end

    def y(value: float, top: float) -> float:
        return height - pad - (height - 2 * pad) * value / top

    def line(key: str, top: float, colour: str) -> str:
        points = " ".join(f"{x(s['second']):.1f},{y(s[key], top):.1f}" for s in samples)
        return f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        'font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#888"/>',
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#888"/>',
        line("daphne_rss_mb", top_mb, "#1f77b4"),
        line("worker_rss_mb", top_mb, "#d62728"),
        line("queued_batches", top_queue, "#999999"),
        f'<text x="{pad}" y="{pad - 18}">RSS (MB, left, 0–{top_mb:.0f}): daphne blue, worker red; '
        f"queued batches grey (0–{top_queue:.0f})</text>",
        f'<text x="{width - pad}" y="{height - pad + 30}" text-anchor="end">seconds (0–{end:.0f})</text>',
        "</svg>",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts))
