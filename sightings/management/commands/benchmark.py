"""`manage.py benchmark <name>`: the performance measurements of docs/PERFORMANCE.md.

Each benchmark is one entry in BENCHMARKS: a function adding its arguments and a function running it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sightings.bench.alerts import alerts_arguments, alerts_run
from sightings.bench.matching import TARGET_READS_PER_S, benchmark_matching
from sightings.bench.national import national_arguments, national_run
from sightings.bench.pages import pages_arguments, pages_run
from sightings.bench.reads_profile import reads_profile_arguments, reads_profile_run
from sightings.bench.soak import soak_arguments, soak_run


def matching_arguments(parser: CommandParser) -> None:
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--reads", type=int, default=200_000)
    parser.add_argument("--hit-rate", type=float, default=0.001)
    parser.add_argument("--repeats", type=int, default=5)


def matching_run(command: BaseCommand, options: dict) -> dict:
    command.stdout.write(
        f"Matching engine alone, one thread: {options['reads']:,} reads against {options['orders']:,} orders, "
        f"{options['repeats']} passes…"
    )
    result = benchmark_matching(
        n_orders=options["orders"], n_reads=options["reads"], hit_rate=options["hit_rate"], repeats=options["repeats"]
    )
    for name, target in TARGET_READS_PER_S.items():
        measured = result[name]
        verdict = "meets" if measured["reads_per_cpu_s"] >= target else "BELOW"
        command.stdout.write(
            f"  {name:18} {measured['reads_per_s']:>10,} reads/s wall, {measured['reads_per_cpu_s']:>10,} per CPU-s "
            f"({verdict} the target of {target:,}/s per core; compiled in {measured['compile_seconds']} s)"
        )
    command.stdout.write(
        f"  baseline: one set lookup per read {result['baseline_set_lookup']['reads_per_s']:,} reads/s; "
        f"hits by kind {result['hits_by_kind']}"
    )
    return result


def ingest_arguments(parser: CommandParser) -> None:
    parser.add_argument("--rate", type=float, default=20_000, help="reads per second offered (open loop)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of offered load")
    parser.add_argument("--batch", type=int, default=1000, help="reads per POST")
    parser.add_argument("--hit-rate", type=float, default=0.001)
    parser.add_argument("--orders", type=int, default=10_000, help="active orders in the hotlist")
    parser.add_argument("--cameras", type=int, default=500)
    parser.add_argument("--threads", type=int, default=8, help="concurrent HTTP connections of the load generator")
    parser.add_argument(
        "--worker-processes", type=int, default=2, help="processes of the one Celery worker (1: solo pool)"
    )
    parser.add_argument("--baseline-seconds", type=float, default=10, help="length of the single-read baseline")
    parser.add_argument("--url", help="use a running daphne and worker at this URL instead of starting them")
    parser.add_argument("--svg", type=Path, help="draw accepted reads/s and the queue over time into this file")


def ingest_run(command: BaseCommand, options: dict) -> dict:
    from sightings.bench.ingest import (
        IngestOptions,
        ingest_benchmark,
        options_from_command,
        run_for_command,
        throughput_svg,
    )

    if options["batch"] < 1 or options["batch"] > 1000 or options["rate"] <= 0 or options["duration"] <= 0:
        raise CommandError("--batch must be 1..1000, --rate and --duration positive.")
    ingest_options = options_from_command(IngestOptions, options)
    result = run_for_command(ingest_benchmark, ingest_options, command.stdout.write)
    batched = result["batched"]
    load = batched["load"]
    command.stdout.write(
        f"  offered {load['offered_reads_per_s']:,} reads/s for {load['seconds']} s: {load['accepted']:,} accepted, "
        f"{load['failed_requests']} failed POSTs, POST p50 {load['post_latency_ms']['p50']} ms "
        f"p99 {load['post_latency_ms']['p99']} ms"
    )
    command.stdout.write(
        f"  end to end {batched['end_to_end_reads_per_s']:,} reads/s (queue drained "
        f"{batched['queue_drained_after_send_s']} s after the last POST, longest queue {batched['max_queue_length']} "
        f"batches); hits stored {batched['stored_hit_reads']}/{batched['expected_hit_reads']}; "
        + ("SUSTAINED" if batched["sustained"] else "NOT sustained")
        + f" (target {batched['target_reads_per_s']:,}/s)"
    )
    if options.get("svg"):
        throughput_svg(batched["samples"], rate=options["rate"], path=options["svg"])
        command.stdout.write(f"  picture: {options['svg']}")
    return result


# name -> (add arguments, run); other benchmarks (alerts) register here.
BENCHMARKS: dict[str, tuple[Callable[[CommandParser], None], Callable[[BaseCommand, dict], dict]]] = {
    "matching": (matching_arguments, matching_run),
    "ingest": (ingest_arguments, ingest_run),
    "soak": (soak_arguments, soak_run),
    "alerts": (alerts_arguments, alerts_run),
    "national": (national_arguments, national_run),
    "reads-profile": (reads_profile_arguments, reads_profile_run),
    "pages": (pages_arguments, pages_run),
}


class Command(BaseCommand):
    help = "Runs a performance benchmark (matching, ingest, …) and prints the result; --json writes it to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="benchmark", required=True, parser_class=type(parser))
        for name, (add_arguments, _) in BENCHMARKS.items():
            sub = subparsers.add_parser(
                name, called_from_command_line=getattr(parser, "called_from_command_line", None)
            )
            sub.add_argument("--json", type=Path, help="also write the full result as JSON to this file")
            add_arguments(sub)

    def handle(self, *args, benchmark: str, **options) -> None:
        _, run = BENCHMARKS[benchmark]
        result = run(self, options)
        if options.get("json"):
            options["json"].parent.mkdir(parents=True, exist_ok=True)
            options["json"].write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
            self.stdout.write(f"Full result: {options['json']}")
