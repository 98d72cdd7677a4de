"""Verifying a long stored chain in ranges, one process per range.

Hashing is the cost of verification (one SHA-256 over each entry's canonical JSON), and one Python process
hashes on one core. A chain of tens of millions of entries is therefore cut into as many ranges as there are
workers; each range is verified from the stored hash of the entry before it, in its own process with its own
database connection. The ranges together prove the whole chain: range k starts from the stored hash of the
last entry of range k-1, and range k-1's verification proves that hash is the right one.

Only for the command line (manage.py verify_ledger): a web process should not start processes.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from django.db import connection, models
from django.db.models import Max

from audit import chain, range_worker
from audit.ledger import stored_corrections, verify_stored

# Below this many entries per worker, starting processes costs more than it saves.
MIN_ENTRIES_PER_WORKER = 200_000


def ranges_for(last_sequence: int, workers: int) -> list[tuple[int, int]]:
    """Sequences 1..last_sequence cut into at most `workers` contiguous ranges of near-equal length."""
    workers = max(1, min(workers, last_sequence))
    size, remainder = divmod(last_sequence, workers)
    ranges, first = [], 1
    for index in range(workers):
        last = first + size - 1 + (1 if index < remainder else 0)
        ranges.append((first, last))
        first = last + 1
    return ranges


def verify_stored_parallel(model: type[models.Model], *, workers: int) -> chain.Verdict:
    """The same verdict as audit.ledger.verify_stored, computed by `workers` processes over ranges."""
    last_sequence = model.objects.aggregate(last=Max("sequence"))["last"] or 0
    workers = min(workers, last_sequence // MIN_ENTRIES_PER_WORKER)
    if workers < 2 or connection.vendor != "postgresql":
        return verify_stored(model)
    corrections = stored_corrections(model)
    ranges = ranges_for(last_sequence, workers)
    # The workers open their own connections to the database this process uses (a test database included).
    database = {key: connection.settings_dict[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=len(ranges), mp_context=context, initializer=range_worker.start, initargs=(database,)
    ) as pool:
        futures = [
            pool.submit(range_worker.verify_range, model._meta.label, first, last, corrections)
            for first, last in ranges
        ]
        verdicts = [future.result() for future in futures]
    return combined_verdict(verdicts, ranges)


def combined_verdict(verdicts: list[chain.Verdict], ranges: list[tuple[int, int]]) -> chain.Verdict:
    """One verdict from the ranges' verdicts, in order: broken at the first range that broke."""
    entries, corrected = 0, []
    for verdict, (first, last) in zip(verdicts, ranges, strict=True):
        corrected.extend(verdict.corrected)
        if not verdict.ok:
            return chain.Verdict(False, entries + verdict.entries, verdict.first_broken, verdict.head, tuple(corrected))
        expected = last - first + 1
        if verdict.entries != expected:
            # The range ended early: rows missing at its end (a gap the next range's start cannot see).
            missing = chain.Broken(first + verdict.entries, chain.SEQUENCE_GAP, "missing")
            return chain.Verdict(False, entries + verdict.entries, missing, verdict.head, tuple(corrected))
        entries += verdict.entries
    return chain.Verdict(True, entries, None, verdicts[-1].head if verdicts else chain.GENESIS, tuple(corrected))
