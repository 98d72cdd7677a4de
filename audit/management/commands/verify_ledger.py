"""Verifies the disclosure ledger's and the access log's hash chains; exit 1 names the first broken entry."""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from typing import TYPE_CHECKING

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from audit import chain, heads
from audit.ledger import lock_chain_head, seal, verify_stored
from audit.models import DisclosureEntry, ledger_reference
from audit.parallel_verify import verify_stored_parallel
from audit.selectors import CHAINS

if TYPE_CHECKING:
    from sightings.models import Municipality


def synthetic_links(count: int) -> list[chain.Link]:
    """A chain of ledger-shaped entries built in memory, for measuring verification alone."""
    entries = (
        {
            "id": str(uuid.UUID(int=n)),
            "sequence": n,
            "kind": "location",
            "file_name": "Plate-reading CCTV records of 은평구",
            "recipient": "서울경찰청 112치안종합상황실",
            "purpose": "Locating a vehicle wanted for Robbery",
            "legal_basis": "18-2-7",
            "data_items": "plate, time, camera location, plate/vehicle photos",
            "provided_at": "2026-11-22T04:38:10.123456Z",
            "window_start": "2026-11-22T04:38:09.000000Z",
            "window_end": "2026-11-22T04:38:09.000000Z",
            "form": "Real-time electronic transmission of the sighting through wassweb",
            "safeguards": "Use only for the case and purpose stated; do not provide to any third party.",
            "recipient_agency_id": "6d0b0c1e-8f7e-4c43-9a44-3f0d7a1f2b11",
            "municipality_id": 11380,
            "provider": "서울특별시 은평구 smart-city integrated operations centre",
            "requester_id": 17,
            "approver_id": None,
            "case_number": "2026-SEOUL-0042",
            "order_id": "0b4c8f3e-9d1a-4f6e-8a53-5b7f0e2d9c41",
            "sighting_id": str(uuid.UUID(int=n + 10**9)),
            "camera_id": "2f1c5e7a-3b9d-4a8e-b6f2-1d0c9e8a7b65",
            "footage_request_id": None,
            "file_hashes": [{"name": "plate.jpg", "sha256": "ab" * 32}],
            "created_at": "2026-11-22T04:38:10.223456Z",
        }
        for n in range(1, count + 1)
    )
    return chain.chain(entries)


def synthetic_entries_append(count: int, municipality: Municipality) -> None:
    """Appends ledger-shaped entries to the stored chain. Only inside a transaction that is rolled back."""
    head = lock_chain_head(DisclosureEntry)
    # The synthetic entries' own references point nowhere: keep their text, drop the foreign keys.
    references = {field.attname for field in DisclosureEntry._meta.concrete_fields if field.is_relation}
    entries = [
        DisclosureEntry(
            **{name: value for name, value in link.fields.items() if name not in references | {"sequence"}},
            municipality_id=municipality.pk,
        )
        for link in synthetic_links(count)
    ]
    seal(entries, head)
    DisclosureEntry.objects.bulk_create(entries, batch_size=5000)


# How each chain of audit.selectors.integrity_check is named in the output (operators grep these).
CHAIN_NAMES = {
    "ledger": "disclosure ledger",
    "access_log": "access log",
    "access_tally": "access tallies",
    "corrections": "ledger corrections",
}


class Command(BaseCommand):
    help = "Verify the disclosure ledger and the access log: exit 0 when both chains are intact, 1 otherwise."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--benchmark",
            type=int,
            metavar="N",
            help="instead, measure verification of an in-memory chain of N ledger-shaped entries (5 runs)",
        )
        parser.add_argument(
            "--benchmark-stored",
            type=int,
            metavar="N",
            help="instead, append N synthetic entries to the stored ledger in a transaction that is rolled back, "
            "and measure verifying the stored ledger from the database (5 runs); nothing is kept, but the ledger "
            "is locked for new entries meanwhile: use a scratch database, never a live one",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            metavar="N",
            help="verify long chains in N processes over ranges of the chain (default: the number of cores)",
        )
        parser.add_argument(
            "--benchmark-workers",
            action="store_true",
            help="instead, time verifying the stored chains as they are with 1 process and with --workers",
        )
        parser.add_argument(
            "--published",
            type=heads.published_file_argument,
            metavar="FILE",
            help="also check every chain against the heads in FILE, the auditors' own copy of CHAIN_HEADS_FILE",
        )

    def handle(self, *args, benchmark: int | None = None, benchmark_stored: int | None = None, **options) -> None:
        if benchmark:
            self._benchmark(benchmark)
            return
        if benchmark_stored:
            self._benchmark_stored(benchmark_stored)
            return
        workers = max(1, options["workers"])
        if options["benchmark_workers"]:
            self._benchmark_workers(workers)
            return
        started = time.perf_counter()
        verdicts = {name: verify_stored_parallel(model, workers=workers) for name, (model, _label) in CHAINS.items()}
        elapsed = time.perf_counter() - started
        intact = True
        for name, verdict in verdicts.items():
            intact = self._report(CHAIN_NAMES[name], verdict) and intact
        total = sum(v.entries for v in verdicts.values())
        self.stdout.write(f"checked {total} entries in {elapsed:.2f} s")
        # A chain cut short still verifies; the published heads show it (audit/heads.py).
        published = heads.heads_verify(published=options.get("published"))
        self.stdout.write(published.summary())
        for problem in published.problems:
            self.stderr.write(problem.describe())
        intact = intact and published.ok
        if not intact:
            sys.exit(1)

    def _report(self, label: str, verdict: chain.Verdict) -> bool:
        """Prints one chain's verdict; True when it is intact (corrected entries included)."""
        corrected = ""
        if verdict.corrected:
            entries = ", ".join(str(sequence) for sequence in verdict.corrected)
            corrected = f", {len(verdict.corrected)} corrected (entries {entries}; see ledger_correct)"
        if verdict.ok:
            state = "chain intact with corrections" if verdict.corrected else "chain intact"
            self.stdout.write(f"{label}: {verdict.entries} entries, {state}{corrected}")
            return True
        self.stderr.write(
            f"{label}: BROKEN at {verdict.first_broken.describe()} "
            f"({verdict.entries} entries before it are intact{corrected})"
        )
        return False

    def _benchmark(self, count: int) -> None:
        self.stdout.write(f"building an in-memory chain of {count} entries ...")
        links = synthetic_links(count)
        rates = []
        for run in range(1, 6):
            started = time.perf_counter()
            verdict = chain.verify(links)
            elapsed = time.perf_counter() - started
            assert verdict.ok and verdict.entries == count  # noqa: S101 - a broken synthetic chain is a bug here
            rates.append(count / elapsed)
            self.stdout.write(f"run {run}: {count} entries in {elapsed:.3f} s = {rates[-1]:,.0f} entries/s")
        spread = f"{min(rates):,.0f}–{max(rates):,.0f}"
        self.stdout.write(f"verification: median {statistics.median(rates):,.0f} entries/s (spread {spread})")

    def _benchmark_workers(self, workers: int) -> None:
        """Verifies each stored chain serially and in `workers` processes; both must agree."""
        for name, (model, _label) in CHAINS.items():
            timings = {}
            for count in sorted({1, workers}):
                started = time.perf_counter()
                verdict = verify_stored_parallel(model, workers=count)
                timings[count] = (verdict, time.perf_counter() - started)
            for count, (verdict, elapsed) in timings.items():
                rate = verdict.entries / elapsed if elapsed else 0.0
                state = "intact" if verdict.ok else f"BROKEN at {verdict.first_broken.describe()}"
                self.stdout.write(
                    f"{CHAIN_NAMES[name]}: {verdict.entries} entries, {state}, {count} process(es): "
                    f"{elapsed:.2f} s = {rate:,.0f} entries/s"
                )
            verdicts = [verdict for verdict, _elapsed in timings.values()]
            if any(
                (v.ok, v.entries, v.head) != (verdicts[0].ok, verdicts[0].entries, verdicts[0].head) for v in verdicts
            ):
                raise CommandError(f"{CHAIN_NAMES[name]}: serial and parallel verification disagree")

    def _benchmark_stored(self, count: int) -> None:
        # Any providing body will do; reached through the ledger's relation (audit does not import sightings).
        municipality = ledger_reference("municipality").objects.order_by("code").first()
        if municipality is None:
            raise CommandError("--benchmark-stored needs at least one municipality (run seed_demo first)")
        self.stdout.write(f"{connection.vendor}: appending {count} synthetic ledger entries (rolled back after) ...")
        with transaction.atomic():
            synthetic_entries_append(count, municipality)
            rates = []
            for run in range(1, 6):
                started = time.perf_counter()
                verdict = verify_stored(DisclosureEntry)
                elapsed = time.perf_counter() - started
                if not verdict.ok:
                    raise CommandError(f"the stored ledger is broken at {verdict.first_broken.describe()}")
                rates.append(verdict.entries / elapsed)
                self.stdout.write(
                    f"run {run}: {verdict.entries} stored entries in {elapsed:.3f} s = {rates[-1]:,.0f} entries/s"
                )
            transaction.set_rollback(True)
        spread = f"{min(rates):,.0f}–{max(rates):,.0f}"
        self.stdout.write(f"stored verification: median {statistics.median(rates):,.0f} entries/s (spread {spread})")
