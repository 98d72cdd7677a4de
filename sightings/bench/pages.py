"""The read side at volume: every page and API a person uses, timed and its SQL counted (`benchmark pages`).

Run it on a database filled by `manage.py seed_volume` (docs/PERFORMANCE.md, "Read side at volume"). Requests
go in process through Django's test client and the whole middleware stack (sessions, the security gate, the
access log that writes one chained row per request), so the figures are the server's own work without the
network and the HTTP parser; the baseline is the sign-in page (no database) measured the same way in the same
run. Each page is requested a few times to warm up, then `repeats` times timed (fewer when one answer takes
over a second), and once more with the SQL captured to count queries. A streamed answer (a CSV export) is timed
twice: to its first piece (the first rows, which the target applies to) and to its end.

The people are the seeded ones: an officer, an operator of the municipality with the most footage requests
and an auditor. The orders are the one with the most sightings, the one nearest 1,000, and the latest active.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Count
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from audit.models import AccessLogEntry, DisclosureEntry
from sightings.bench.volume import VOLUME_USER_PREFIX
from sightings.models import FootageRequest, Sighting, WantedOrder

TARGET_P95_MS = 150.0
SLOW_MS = 1000.0  # one answer slower than this: only a few timed repeats
SLOW_REPEATS = 3


@dataclass
class Page:
    role: str
    name: str
    path: str


@dataclass
class PageResult:
    role: str
    name: str
    path: str
    status: int
    queries: int
    bytes: int
    times_ms: list[float] = field(default_factory=list)
    # For a streamed answer: the time to its first piece, request by request (times_ms is to its end).
    first_piece_ms: list[float] = field(default_factory=list)

    @property
    def streamed(self) -> bool:
        return bool(self.first_piece_ms)

    @property
    def p50(self) -> float:
        return _percentile(self.times_ms, 0.5)

    @property
    def p95(self) -> float:
        return _percentile(self.times_ms, 0.95)

    @property
    def target_p95(self) -> float:
        """What the target applies to: the whole answer, or a streamed answer's first piece."""
        return _percentile(self.first_piece_ms, 0.95) if self.streamed else self.p95

    def as_dict(self) -> dict[str, Any]:
        timings: dict[str, Any] = {"p50_ms": self.p50, "p95_ms": self.p95}
        if self.streamed:
            timings |= {
                "first_piece_p50_ms": _percentile(self.first_piece_ms, 0.5),
                "first_piece_p95_ms": _percentile(self.first_piece_ms, 0.95),
            }
        return {
            "role": self.role,
            "name": self.name,
            "path": self.path,
            "status": self.status,
            "queries": self.queries,
            "bytes": self.bytes,
            "requests": len(self.times_ms),
            "streamed": self.streamed,
            **timings,
            "meets_target": self.status < 400 and self.target_p95 <= TARGET_P95_MS,
        }


def _percentile(times: list[float], share: float) -> float:
    if share == 0.5:
        return round(statistics.median(times), 1)
    ordered = sorted(times)
    return round(ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))], 1)


def pages_arguments(parser: CommandParser) -> None:
    parser.add_argument("--repeats", type=int, default=20, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per page first")
    parser.add_argument("--only", default="", help="only pages whose name contains this text")
    parser.add_argument("--roles", default="", help="only these roles' pages, e.g. officer,operator")
    parser.add_argument(
        "--verify", action="store_true", help="also the auditor's verify page (reads every chain: minutes at volume)"
    )


def _subjects() -> dict[str, Any]:
    """The seeded people and the objects their pages are about."""
    people = User.objects.filter(username__startswith=VOLUME_USER_PREFIX)
    auditor = people.filter(role=User.Role.AUDITOR).order_by("username").first()
    if auditor is None:
        raise CommandError("No seeded people: fill this database with `manage.py seed_volume` first.")
    busiest = (
        FootageRequest.objects.values("municipality_id").annotate(n=Count("id")).order_by("-n").first() or {}
    ).get("municipality_id")
    operator = (
        people.filter(role=User.Role.OPERATOR, municipality_id=busiest).first()
        or people.filter(role=User.Role.OPERATOR).first()
    )
    # Counted once here (a benchmark may scan): the order with the most sightings and the one nearest 1,000.
    counts = list(
        Sighting.objects.values("order_id").annotate(n=Count("id")).order_by("-n").values_list("order_id", "n")
    )
    if not counts:
        raise CommandError("No sightings: fill this database with `manage.py seed_volume` first.")
    biggest = counts[0]
    thousand = min(counts, key=lambda item: abs(item[1] - 1000))
    active = WantedOrder.objects.active().order_by("-created_at").first()
    # The operator of the municipality with the fewest sightings: lists read newest first find its hits last.
    quiet = (
        Sighting.objects.values("camera__municipality_id").annotate(n=Count("id")).order_by("n").first() or {}
    ).get("camera__municipality_id")
    quiet_operator = people.filter(role=User.Role.OPERATOR, municipality_id=quiet).first() or operator
    # Where page 100 of the order list (50 a page) starts: after the 4,950th order, newest first.
    order_100 = WantedOrder.objects.order_by("-created_at", "-id").values_list("created_at", "id")[4949:4950]
    at, key = order_100[0] if order_100 else (timezone.now(), uuid.UUID(int=0))
    order_cursor_100 = f"{(at - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)}_{key}"
    # Where page 1,000 of the ledger (50 a page) starts: below the 49,950th entry, newest first.
    ledger_1000 = DisclosureEntry.objects.order_by("-sequence").values_list("sequence", flat=True)[49949:49950]
    # An officer of the biggest order's agency, who sees all of its sightings (closed orders included).
    big_agency = WantedOrder.objects.filter(pk=biggest[0]).values_list("agency_id", flat=True).first()
    officer = people.filter(role=User.Role.OFFICER, agency_id=big_agency).order_by("username").first()
    return {
        "officer": officer,
        "operator": operator,
        "quiet_operator": quiet_operator,
        "auditor": auditor,
        "big_order": biggest,
        "thousand_order": thousand,
        "active_order": active,
        "order_cursor_100": order_cursor_100,
        "ledger_cursor_1000": ledger_1000[0] if ledger_1000 else 1,
        "sighting": Sighting.objects.order_by("-received_at").first(),
        "footage": FootageRequest.objects.filter(municipality_id=operator.municipality_id)
        .order_by("-created_at")
        .first(),
        "ledger_entry": DisclosureEntry.objects.order_by("-sequence").first(),
        "access_entry": AccessLogEntry.objects.order_by("-sequence").first(),
    }


def pages_plan(subjects: dict[str, Any], *, verify: bool = False) -> list[Page]:
    big, big_n = subjects["big_order"]
    thousand, thousand_n = subjects["thousand_order"]
    sighting, footage = subjects["sighting"], subjects["footage"]
    entry, access = subjects["ledger_entry"], subjects["access_entry"]
    today = timezone.localdate()
    week_ago = today - dt.timedelta(days=7)
    month_ago = today - dt.timedelta(days=30)
    municipality = subjects["operator"].municipality
    plan = [
        Page("anonymous", "baseline: sign-in page", "/login/"),
        Page("officer", "dashboard", "/"),
        Page("officer", "orders", "/orders/"),
        Page("officer", "orders, active", "/orders/?status=active"),
        # Page 100 by number (an offset) or by position (a keyset cursor), whichever the list reads.
        Page("officer", "orders, page 100", f"/orders/?page=100&after={subjects['order_cursor_100']}"),
        Page("officer", f"order page, {big_n:,} sightings", f"/orders/{big}/"),
        Page("officer", f"order page, {thousand_n:,} sightings", f"/orders/{thousand}/"),
        Page("officer", "API orders", "/api/v1/orders/"),
        Page("officer", "API orders, active", "/api/v1/orders/?status=active"),
        Page("officer", f"API order, {big_n:,} sightings", f"/api/v1/orders/{big}/"),
        Page("officer", "API sightings", "/api/v1/sightings/"),
        Page("officer", f"API sightings ?order= ({big_n:,})", f"/api/v1/sightings/?order={big}"),
        Page("officer", f"API sightings ?order= ({thousand_n:,})", f"/api/v1/sightings/?order={thousand}"),
        Page("officer", "API sighting", f"/api/v1/sightings/{sighting.pk}/"),
        Page("officer", "footage requests", "/footage/"),
        Page("officer", "API footage requests", "/api/v1/footage-requests/"),
        Page("operator", "dashboard with cameras", "/"),
        Page("operator", "footage queue", "/footage/"),
        Page("operator", "footage queue, pending", "/footage/?status=pending"),
        Page("operator", "API sightings", "/api/v1/sightings/"),
        Page("quiet_operator", "quietest centre: dashboard", "/"),
        Page("quiet_operator", "quietest centre: API sightings", "/api/v1/sightings/"),
    ]
    if footage is not None:
        plan.append(Page("operator", "footage request", f"/footage/{footage.pk}/"))
    plan += [
        Page("auditor", "ledger", "/audit/"),
        # By number (an offset) or by position (below an entry), whichever the ledger reads.
        Page("auditor", "ledger, page 1000", f"/audit/?page=1000&before={subjects['ledger_cursor_1000']}"),
        Page(
            "auditor", "ledger, municipality and month", f"/audit/?municipality={municipality.code}&since={month_ago}"
        ),
        Page("auditor", "ledger, case number", f"/audit/?case_number={thousand_case(thousand)}"),
        Page("auditor", "ledger entry", f"/audit/ledger/{entry.pk}/"),
        Page("auditor", "ledger CSV, one week", f"/audit/ledger.csv?since={week_ago}"),
        Page("auditor", "API disclosures", "/api/v1/audit/disclosures/"),
        Page("auditor", "access log", "/audit/access/"),
        Page("auditor", "access log, actor and week", f"/audit/access/?actor={access.actor_label}&since={week_ago}"),
        Page("auditor", "access log, plate", f"/audit/access/?plate={access.plate or sighting.plate}"),
        Page("auditor", "access log, denied", "/audit/access/?outcome=denied"),
        Page("auditor", "statistics, 12 months", "/audit/statistics/"),
        Page("auditor", "anomalies, 30 days", "/audit/anomalies/"),
        Page("anonymous", "transparency", "/transparency/"),
    ]
    if verify:
        plan.append(Page("auditor", "verify", "/audit/verify/"))
    return plan


def thousand_case(order_id: Any) -> str:
    return WantedOrder.objects.filter(pk=order_id).values_list("case_number", flat=True).first() or ""


def _request(client: Client, path: str) -> tuple[int, int, float, float | None]:
    """(status, size, ms to the end, ms to the first piece of a streamed answer or None)."""
    started = time.perf_counter()
    response = client.get(path)
    if not response.streaming:
        return response.status_code, len(response.content), (time.perf_counter() - started) * 1000, None
    pieces = iter(response.streaming_content)
    size = len(next(pieces, b""))
    first = (time.perf_counter() - started) * 1000
    size += sum(len(piece) for piece in pieces)
    return response.status_code, size, (time.perf_counter() - started) * 1000, first


def page_measure(client: Client, page: Page, *, repeats: int, warmup: int) -> PageResult:
    times, firsts = [], []
    status = size = 0
    for _ in range(warmup):
        status, size, elapsed, _first = _request(client, page.path)
        if elapsed > SLOW_MS:
            repeats = min(repeats, SLOW_REPEATS)
            break
    for _ in range(repeats):
        status, size, elapsed, first = _request(client, page.path)
        times.append(elapsed)
        if first is not None:
            firsts.append(first)
    with CaptureQueriesContext(connection) as captured:
        _request(client, page.path)
    return PageResult(page.role, page.name, page.path, status, len(captured.captured_queries), size, times, firsts)


# The test client in process: no TLS in front (no redirect), the host it sends, and a session the test client
# makes without the second factor (the gate itself still runs; OTP_REQUIRED is a setting it reads).
IN_PROCESS = {"ALLOWED_HOSTS": ["testserver"], "SECURE_SSL_REDIRECT": False, "OTP_REQUIRED": False, "DEBUG": False}


def pages_run(command: BaseCommand, options: dict) -> dict:
    if connection.vendor != "postgresql":
        raise CommandError("benchmark pages measures the PostgreSQL database seed_volume filled.")
    subjects = _subjects()
    roles = {role.strip() for role in options["roles"].split(",") if role.strip()}
    plan = [
        page
        for page in pages_plan(subjects, verify=options["verify"])
        if options["only"] in page.name and (not roles or page.role in roles)
    ]
    clients: dict[str, Client] = {}
    for role in ("officer", "operator", "quiet_operator", "auditor"):
        clients[role] = Client()
        clients[role].force_login(subjects[role])
    clients["anonymous"] = Client()
    counts = {
        "sightings": Sighting.objects.count(),
        "orders": WantedOrder.objects.count(),
        "ledger": DisclosureEntry.objects.count(),
        "access_log": AccessLogEntry.objects.count(),
        "footage_requests": FootageRequest.objects.count(),
    }
    load = os.getloadavg()[0]
    command.stdout.write(
        "Pages at volume, in process (Django test client, full middleware): "
        + ", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in counts.items())
        + f"; load average {load:.1f} on {os.cpu_count()} cores"
    )
    command.stdout.write(f"  {'role':9} {'page':42} {'status':>6} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'KB':>7}")
    results = []
    with override_settings(**IN_PROCESS):
        for page in plan:
            result = page_measure(clients[page.role], page, repeats=options["repeats"], warmup=options["warmup"])
            results.append(result)
            verdict = "" if result.status >= 400 or result.target_p95 <= TARGET_P95_MS else "  over target"
            command.stdout.write(
                f"  {page.role[:9]:9} {page.name[:42]:42} {result.status:>6} {result.queries:>7} {result.p50:>8} "
                f"{result.p95:>8} {result.bytes / 1024:>7.1f}{verdict}"
            )
            if result.streamed:
                first = result.as_dict()
                command.stdout.write(
                    f"  {'':9} {'  streamed: to the first piece':42} {'':>6} {'':>7} {first['first_piece_p50_ms']:>8} "
                    f"{first['first_piece_p95_ms']:>8}   (the target applies to the first piece)"
                )
    over = [r.name for r in results if r.status < 400 and r.target_p95 > TARGET_P95_MS and r.role != "anonymous"]
    failed = [f"{r.name} ({r.status})" for r in results if r.status >= 400]
    command.stdout.write(
        f"  {len(results) - len(over) - len(failed)}/{len(results)} pages at p95 ≤ {TARGET_P95_MS:.0f} ms"
        + (f"; over: {', '.join(over)}" if over else "")
        + (f"; not 2xx: {', '.join(failed)}" if failed else "")
    )
    return {
        "mode": "in process, Django test client",
        "load_average_at_start": round(load, 2),
        "counts": counts,
        "target_p95_ms": TARGET_P95_MS,
        "pages": [result.as_dict() for result in results],
    }
