"""Throughput of the matching engine alone, single thread, against a realistic random hotlist (docs/PERFORMANCE.md).

Run: `python -m sightings.bench.matching` (prints the result as JSON).
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable

from sightings.plates import REGIONS, USE_SYLLABLES, WILDCARD
from sightings.reads.matching import Hotlist, OrderSpec

# docs/PERFORMANCE.md, per core, against 10,000 orders.
TARGET_READS_PER_S = {"exact_and_pattern": 500_000, "with_misread": 150_000}
_REGIONS = sorted(REGIONS)
_USES = sorted(USE_SYLLABLES)
# Class ranges weighted roughly like the vehicle fleet: mostly passenger cars.
_TWO_DIGIT_CLASSES = ((1, 69, 80), (70, 79, 8), (80, 97, 10), (98, 99, 2))
_THREE_DIGIT_CLASSES = ((100, 699, 80), (700, 799, 8), (800, 979, 10), (980, 997, 1.5), (998, 999, 0.5))


def random_plate(rng: random.Random) -> str:
    """A random valid canonical plate: half 3-digit class, a few with a region prefix."""
    roll = rng.random()
    if roll < 0.5:
        class_number = f"{_random_class(rng, _THREE_DIGIT_CLASSES):03d}"
        region = ""
    else:
        class_number = f"{_random_class(rng, _TWO_DIGIT_CLASSES):02d}"
        region = rng.choice(_REGIONS) if roll > 0.95 else ""
    return f"{region}{class_number}{rng.choice(_USES)}{rng.randrange(10_000):04d}"


def _random_class(rng: random.Random, ranges: tuple[tuple[int, int, float], ...]) -> int:
    """A class number from one of the ranges, picked by weight."""
    first, last, _ = rng.choices(ranges, weights=[weight for _, _, weight in ranges])[0]
    return rng.randint(first, last)


def random_pattern(rng: random.Random) -> str:
    """A random valid pattern: a plate with 1 to 3 unknown characters outside any region prefix."""
    plate = random_plate(rng)
    region_length = 0 if plate[0].isdigit() else 2
    positions = rng.sample(range(region_length, len(plate)), rng.randint(1, 3))
    return "".join(WILDCARD if i in positions else c for i, c in enumerate(plate))


def benchmark_matching(
    n_orders: int = 10_000,
    n_reads: int = 200_000,
    hit_rate: float = 0.001,
    misread: bool = True,
    seed: int = 2024,
    repeats: int = 5,
) -> dict[str, object]:
    """Reads per second of `Hotlist.match`, exact+pattern and (if misread) with misread tolerance."""
    rng = random.Random(seed)
    orders = _random_orders(rng, n_orders)
    reads = _random_reads(rng, orders, n_reads, hit_rate)
    result: dict[str, object] = {
        "orders": n_orders,
        "patterns": sum(1 for order in orders if order.pattern is not None),
        "reads": n_reads,
        "hit_rate": hit_rate,
        "repeats": repeats,
        "targets_reads_per_s": TARGET_READS_PER_S,
        "baseline_set_lookup": _median_rate(_set_lookup(orders), reads, repeats),
    }
    hotlist, result["exact_and_pattern"] = _measure(orders, reads, repeats, misread_tolerance=False)
    if misread:
        hotlist, result["with_misread"] = _measure(orders, reads, repeats, misread_tolerance=True)
    result["hits_by_kind"] = dict(Counter(hit.kind.value for read in reads for hit in hotlist.match(read)))
    return result


def _measure(
    orders: list[OrderSpec], reads: list[str], repeats: int, *, misread_tolerance: bool
) -> tuple[Hotlist, dict[str, object]]:
    """Compile a hotlist and time its `match` over the reads."""
    started = time.perf_counter()
    hotlist = Hotlist.compile(orders, version="benchmark", misread_tolerance=misread_tolerance)
    compile_seconds = round(time.perf_counter() - started, 3)
    return hotlist, {"compile_seconds": compile_seconds} | _median_rate(hotlist.match, reads, repeats)


def _random_orders(rng: random.Random, n_orders: int) -> list[OrderSpec]:
    """90 % full plates, 10 % partial-plate patterns."""
    return [
        OrderSpec(f"order-{i}", pattern=random_pattern(rng))
        if rng.random() < 0.1
        else OrderSpec(f"order-{i}", plate=random_plate(rng))
        for i in range(n_orders)
    ]


def _random_reads(rng: random.Random, orders: list[OrderSpec], n_reads: int, hit_rate: float) -> list[str]:
    """Random plates, of which about hit_rate are an order's plate or fill an order's pattern."""
    reads = []
    for _ in range(n_reads):
        if orders and rng.random() < hit_rate:
            order = rng.choice(orders)
            reads.append(order.plate or _fill_pattern(rng, order.pattern or ""))
        else:
            reads.append(random_plate(rng))
    return reads


def _fill_pattern(rng: random.Random, pattern: str) -> str:
    """A plate fitting the pattern, unknown characters drawn at random (digits, or a syllable in use position)."""
    use_position = len(pattern) - 5  # the use syllable sits just before the 4 serial digits
    return "".join(
        (rng.choice(_USES) if i == use_position else str(rng.randrange(10))) if c == WILDCARD else c
        for i, c in enumerate(pattern)
    )


def _set_lookup(orders: list[OrderSpec]) -> Callable[[str], bool]:
    """Baseline: the cheapest conceivable check, one set membership test per read."""
    plates = frozenset(order.plate for order in orders if order.plate is not None)
    return plates.__contains__


def _median_rate(match: Callable[[str], object], reads: list[str], repeats: int) -> dict[str, object]:
    """Median reads per second over repeated passes, by wall clock and by this process's CPU time.

    The CPU-time figure is the per-core rate even when other processes share the machine; the wall-clock figure
    is what a caller would see on this machine at this moment.
    """
    wall_rates, cpu_rates = [], []
    for _ in range(repeats):
        wall_started, cpu_started = time.perf_counter(), time.process_time()
        for read in reads:
            match(read)
        wall_rates.append(round(len(reads) / (time.perf_counter() - wall_started)))
        cpu_rates.append(round(len(reads) / max(time.process_time() - cpu_started, 1e-9)))
    return {
        "reads_per_s": round(statistics.median(wall_rates)),
        "reads_per_cpu_s": round(statistics.median(cpu_rates)),
        "runs_reads_per_s": wall_rates,
    }


if __name__ == "__main__":
    print(json.dumps(benchmark_matching(), indent=2))
