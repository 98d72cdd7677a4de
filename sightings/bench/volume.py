"""A year of national data for the read-side benchmark, written with COPY (`manage.py seed_volume`).

The shape DESIGN §10 asks the pages to hold at: all 229 municipalities with their cameras, 10,000 orders
issued over a year (about 27 a day, a week each, so some 200 searched at any time), 5,000,000 sightings of
them, one location entry in the disclosure ledger per sighting, 50,000 footage requests (a ledger entry
for each approved one) and 20,000,000 access-log entries of the officers, operators and auditors who used
it. Everything is written in time order, a day at a time, as production writes it: the tables end up
clustered by time, not by order, so an order's trail is read from many pages as it would be.

The ledger and the access log are real hash chains continuing from their current heads: `verify_ledger`
verifies them. Each row's hash is computed from the same canonical values the stored-chain reader produces
(audit.ledger), so nothing is hashed twice in different forms.

Scratch databases only: the command refuses a database with any person other than the demo's, the
benchmarks' and its own, refuses one that already holds sightings, and refuses anything but PostgreSQL.
Deterministic: the same --seed and sizes give the same rows, UUIDs included (people's numeric ids follow the
database's sequence), with times counted back from the moment it runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.conf import settings
from django.db import connection, models
from django.utils import timezone, translation

from accounts.models import Agency, User
from audit import chain
from audit import services as ledger_texts
from audit.access_counts import access_counts_rebuild
from audit.disclosure_months import disclosure_months_rebuild
from audit.ledger import CHAINED_FIELDS, LATER_FIELDS
from audit.models import (
    AccessHour,
    AccessLogEntry,
    AccessOrderHour,
    AccessSubjectHour,
    DisclosureEntry,
    DisclosureMonth,
    DisclosurePublicationMonth,
)
from audit.purposes import CRIME_CATEGORIES
from sightings.models import Camera, FootageRequest, Municipality, OrderEvent, Sighting, WantedOrder
from sightings.reference import reference_data_load

VOLUME_USER_PREFIX = "volume-"
VOLUME_AGENCY_PREFIX = "volume-"
# People the command accepts in a database it writes to: its own, the demo's (seed_demo) and the benchmarks'.
DEMO_USERNAMES = frozenset({"officer", "operator", "operator2", "auditor", "admin"})
SCRATCH_USER_PREFIXES = (VOLUME_USER_PREFIX, "benchmark-")

DAY_US = 86_400_000_000
ORDER_DAYS = 7  # an order's default life (sightings.orders.services)
HANGUL = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주하허호배"
PATTERN_SHARE = 0.1
MISREAD_SHARE = 0.08
# The tables written in bulk: their indexes, unique constraints and foreign keys are dropped for the load and
# rebuilt from their own definitions afterwards, several times faster than maintaining them row by row.
BULK_TABLES = (Sighting, DisclosureEntry, AccessLogEntry, FootageRequest)


@dataclass
class VolumeOptions:
    sightings: int = 5_000_000
    orders: int = 10_000
    access_log: int = 20_000_000
    footage: int = 50_000
    cameras_per_municipality: int = 20
    officers_per_agency: int = 12
    operators_per_municipality: int = 2
    auditors: int = 4
    days: int = 365
    seed: int = 2026
    now: dt.datetime | None = None


@dataclass
class VolumeResult:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def volume_refusal() -> str | None:
    """Why this database must not receive the volume data, or None when it is a scratch database."""
    if connection.vendor != "postgresql":
        return "seed_volume writes with PostgreSQL's COPY: point DATABASE_URL at a scratch PostgreSQL database."
    people = User.objects.exclude(username__in=DEMO_USERNAMES)
    for prefix in SCRATCH_USER_PREFIXES:
        people = people.exclude(username__startswith=prefix)
    others = list(people.order_by("username").values_list("username", flat=True)[:4])
    if others:
        named = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
        return (
            f"This database has people who are not demo or benchmark users ({named}): seed_volume only writes to "
            "a scratch database. Create an empty one, run migrate, and point DATABASE_URL at it."
        )
    if Sighting.objects.exists():
        return "This database already holds sightings: seed_volume fills a fresh database once."
    return None


# -- values as COPY text and as the chain hashes them ------------------------------------------------------------


def _ts(us: int) -> str:
    """Microseconds since the epoch as the chain's canonical text, which PostgreSQL also reads as timestamptz."""
    seconds, micro = divmod(us, 1_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{micro:06d}Z"


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: Any) -> str:
    """One value in COPY's text format (called some 500 million times for the full year: cheapest checks first)."""
    kind = type(value)
    if kind is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_ESCAPES)
        return value
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is list or kind is dict:
        return orjson.dumps(value).decode().translate(_ESCAPES)
    return str(value)


class Ids:
    """Deterministic version-4 UUIDs as their canonical text."""

    def __init__(self, rng: random.Random) -> None:
        self._bits = rng.getrandbits

    def __call__(self) -> str:
        value = (self._bits(128) & ~(0xF << 76) & ~(0x3 << 62)) | (4 << 76) | (0x2 << 62)
        h = f"{value:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Chain:
    """Appends rows to one stored hash chain, continuing from its head, as COPY lines."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.columns = [model._meta.get_field(name).column for name in CHAINED_FIELDS[model]]
        self.names = CHAINED_FIELDS[model]
        self.later = LATER_FIELDS.get(model, frozenset())
        head = model.objects.order_by("-sequence").values_list("sequence", "entry_hash").first()
        self.sequence, self.head = head or (0, chain.GENESIS)
        self.written = 0

    def line(self, values: dict[str, Any]) -> str:
        """Numbers and hashes one row (its values canonical: UUIDs and times as text) and returns its COPY line."""
        self.sequence += 1
        values["sequence"] = self.sequence
        if not self.written and set(values) != set(self.names):
            raise ValueError(f"{self.model.__name__}: values for {sorted(set(values) ^ set(self.names))} disagree")
        hashed = values
        unset = [name for name in self.later if values[name] is None or values[name] == ""]
        if unset:
            hashed = {name: value for name, value in values.items() if name not in unset}
        digest = chain.entry_hash(self.head, hashed)
        line = "\t".join([*map(_text, [values[name] for name in self.names]), self.head, digest])
        self.head = digest
        self.written += 1
        return line

    def copy_sql(self) -> str:
        table = self.model._meta.db_table
        return f"COPY {table} ({', '.join([*self.columns, 'prev_hash', 'entry_hash'])}) FROM STDIN"


def _copy(cursor: Any, sql: str, lines: list[str]) -> None:
    if not lines:
        return
    with cursor.copy(sql) as copy:
        for start in range(0, len(lines), 5000):
            copy.write("\n".join(lines[start : start + 5000]) + "\n")


def _copy_rows(cursor: Any, model: type[models.Model], columns: list[str], rows: list[list[Any]]) -> None:
    sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    _copy(cursor, sql, ["\t".join(_text(value) for value in row) for row in rows])


# -- indexes off during the load ---------------------------------------------------------------------------------


@contextmanager
def indexes_deferred(cursor: Any, tables: list[str], say: Callable[[str], None]) -> Iterator[None]:
    """Drops the tables' indexes, unique constraints and foreign keys (and foreign keys pointing at them), and
    recreates each from its own definition afterwards, also when the load fails."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND (conrelid::regclass::text = ANY(%s) OR confrelid::regclass::text = ANY(%s))",
        [tables, tables],
    )
    foreign = sorted(set(cursor.fetchall()))
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype IN ('p', 'u') AND conrelid::regclass::text = ANY(%s) ORDER BY contype, conname",
        [tables],
    )
    unique = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(%s) "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u')) ORDER BY indexname",
        [tables],
    )
    plain = cursor.fetchall()
    for table, name, _ in foreign:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in plain:
        cursor.execute(f'DROP INDEX "{name}"')
    for table, name, _ in unique:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    try:
        yield
    finally:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for table, name, definition in unique:
            started = time.perf_counter()
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            say(f"  {name}: {time.perf_counter() - started:.1f} s")
        for name, definition in plain:
            started = time.perf_counter()
            cursor.execute(definition)
            say(f"  {name}: {time.perf_counter() - started:.1f} s")
        for table, name, definition in foreign:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("RESET maintenance_work_mem")


# -- the world: places, people, orders ---------------------------------------------------------------------------


@dataclass
class World:
    municipalities: list[Municipality]
    # Per municipality index: its cameras as (id, lat, lon) and the municipality indexes nearest to it.
    cameras: list[list[tuple[str, float, float]]]
    neighbours: list[list[int]]
    agencies: list[Agency]
    officers: dict[Any, list[User]]  # by agency id
    operators: dict[int, list[User]]  # by municipality id
    auditors: list[User]
    addresses: dict[int, str]  # by user id


def _plate(rng: random.Random) -> str:
    return f"{rng.randint(10, 399)}{rng.choice(HANGUL)}{rng.randint(1000, 9999)}"


def _places(rng: random.Random, ids: Ids, options: VolumeOptions) -> tuple[list[Municipality], list, list]:
    municipalities = list(Municipality.objects.select_related("province").order_by("code"))
    cameras: list[list[tuple[str, float, float]]] = []
    rows = []
    for index, municipality in enumerate(municipalities):
        own = []
        for number in range(1, options.cameras_per_municipality + 1):
            angle, km = rng.uniform(0, 2 * math.pi), rng.uniform(0.2, 6.0)
            lat = round(municipality.lat + km / 111.0 * math.sin(angle), 6)
            lon = round(municipality.lon + km / 88.0 * math.cos(angle), 6)
            camera_id = ids()
            own.append((camera_id, lat, lon))
            kind = Camera.Kind.ARTERIAL if number % 3 else Camera.Kind.CRIME_PREVENTION
            code = f"V{index:03d}-{number:03d}"
            rows.append(
                [camera_id, municipality.id, code, f"{municipality.name} {number}번 교차로", lat, lon, kind, True, True]
            )
        cameras.append(own)
    with connection.cursor() as cursor:
        columns = ["id", "municipality_id", "code", "name", "lat", "lon", "kind", "reads_plates", "active"]
        _copy_rows(cursor.cursor, Camera, columns, rows)
    neighbours = []
    for municipality in municipalities:
        by_distance = sorted(
            range(len(municipalities)),
            key=lambda i: (
                (municipalities[i].lat - municipality.lat) ** 2
                + ((municipalities[i].lon - municipality.lon) * 0.8) ** 2
            ),
        )
        neighbours.append(by_distance[:5])  # itself first
    return municipalities, cameras, neighbours


def _people(rng: random.Random, ids: Ids, options: VolumeOptions, municipalities: list[Municipality]) -> dict[str, Any]:
    provinces = sorted({m.province for m in municipalities}, key=lambda p: p.code)
    agencies = Agency.objects.bulk_create(
        Agency(id=ids(), code=f"{VOLUME_AGENCY_PREFIX}{province.code}", name=f"{province.name}경찰청 112치안종합상황실")
        for province in provinces
    )
    people = []
    for agency in agencies:
        for number in range(options.officers_per_agency):
            people.append(
                User(
                    username=f"{VOLUME_USER_PREFIX}officer-{agency.code[-2:]}-{number:03d}",
                    role=User.Role.OFFICER,
                    agency=agency,
                    password="!",  # noqa: S106 - unusable: the benchmark signs people in without one
                )
            )
    for municipality in municipalities:
        for number in range(options.operators_per_municipality):
            people.append(
                User(
                    username=f"{VOLUME_USER_PREFIX}operator-{municipality.code}-{number}",
                    role=User.Role.OPERATOR,
                    municipality=municipality,
                    password="!",  # noqa: S106
                )
            )
    for number in range(options.auditors):
        people.append(
            User(username=f"{VOLUME_USER_PREFIX}auditor-{number}", role=User.Role.AUDITOR, password="!")  # noqa: S106
        )
    people = User.objects.bulk_create(people)
    officers: dict[Any, list[User]] = defaultdict(list)
    operators: dict[int, list[User]] = defaultdict(list)
    auditors = []
    for person in people:
        if person.role == User.Role.OFFICER:
            officers[person.agency_id].append(person)
        elif person.role == User.Role.OPERATOR:
            operators[person.municipality_id].append(person)
        else:
            auditors.append(person)
    addresses = {
        person.pk: f"10.{rng.randint(1, 250)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}" for person in people
    }
    return {
        "agencies": agencies,
        "officers": dict(officers),
        "operators": dict(operators),
        "auditors": auditors,
        "addresses": addresses,
    }


@dataclass
class PlannedOrder:
    id: str
    plate: str
    pattern: str
    crime: str
    legal_basis: str
    case_number: str
    agency: Agency
    issued_by: User
    created_us: int
    end_us: int  # when it stopped matching (closed, expired) or the end of the year
    home: int  # municipality index it is first seen around
    sightings: int = 0
    position: int = 0  # where along its route the vehicle is
    route: list[tuple[str, float, float, int]] = field(default_factory=list)  # (camera id, lat, lon, muni index)


def _orders(rng: random.Random, ids: Ids, options: VolumeOptions, world: World, start_us: int, now_us: int) -> list:
    crimes = list(CRIME_CATEGORIES.values())
    orders: list[PlannedOrder] = []
    rows, events = [], []
    span = now_us - start_us
    for number in range(options.orders):
        created = start_us + int(span * number / options.orders) + rng.randrange(0, max(1, span // options.orders))
        category = rng.choice(crimes)
        basis = rng.choice(sorted(category.bases))
        agency = rng.choice(world.agencies)
        officer = rng.choice(world.officers[agency.id])
        plate = _plate(rng)
        pattern = ""
        if rng.random() < PATTERN_SHARE:
            plate, pattern = "", plate[:-2] + "**"
        expires = created + ORDER_DAYS * DAY_US
        roll = rng.random()
        if expires > now_us:
            status, closed = WantedOrder.Status.ACTIVE, None
            if roll < 0.2:  # some recent ones already found
                closed = created + rng.randrange(DAY_US // 24, max(DAY_US // 12, now_us - created))
                status = WantedOrder.Status.RESOLVED
        elif roll < 0.45:
            status, closed = WantedOrder.Status.RESOLVED, created + rng.randrange(DAY_US // 24, ORDER_DAYS * DAY_US)
        elif roll < 0.55:
            status, closed = WantedOrder.Status.CANCELLED, created + rng.randrange(DAY_US // 24, ORDER_DAYS * DAY_US)
        else:
            status, closed = WantedOrder.Status.EXPIRED, expires
        case_number = f"{2026 if created > start_us + span // 2 else 2025}-{agency.code[-2:]}-{number:05d}"
        order = PlannedOrder(
            id=ids(),
            plate=plate,
            pattern=pattern,
            crime=category.slug,
            legal_basis=basis,
            case_number=case_number if category.needs_case_number else "",
            agency=agency,
            issued_by=officer,
            created_us=created,
            end_us=min(closed or expires, now_us),
            home=rng.randrange(len(world.municipalities)),
        )
        route = []
        for muni in world.neighbours[order.home][:3]:
            for camera in rng.sample(world.cameras[muni], min(6, len(world.cameras[muni]))):
                route.append((*camera, muni))
        rng.shuffle(route)
        order.route = route
        orders.append(order)
        vehicle = {
            "make": rng.choice(["현대", "기아", "제네시스", "쌍용", "르노"]),
            "colour": rng.choice(["흰색", "검정", "은색", "회색", "파랑"]),
        }
        rows.append(
            [
                order.id,
                plate,
                pattern,
                vehicle,
                category.slug,
                basis,
                order.case_number,
                "112 상황팀장" if category.urgent_life else "",
                officer.pk,
                agency.id,
                rng.choice(WantedOrder.Priority.values),
                status,
                _ts(created),
                _ts(expires),
                None if closed is None else _ts(closed),
                0,  # sighting_count: filled from the sightings once they are written (order_summaries_refresh)
            ]
        )
        events.append([order.id, OrderEvent.Kind.CREATED, officer.pk, "", _ts(created)])
        if closed is not None:
            kind = {"resolved": "resolved", "cancelled": "cancelled", "expired": "expired"}[status]
            actor = None if status == WantedOrder.Status.EXPIRED else officer.pk
            events.append([order.id, kind, actor, "" if actor else "expiry time reached", _ts(closed)])
    columns = [
        "id", "plate", "pattern", "vehicle", "crime", "legal_basis", "case_number", "urgency_confirmed_by",
        "issued_by_id", "agency_id", "priority", "status", "created_at", "expires_at", "closed_at", "sighting_count",
    ]  # fmt: skip
    with connection.cursor() as cursor:
        _copy_rows(cursor.cursor, WantedOrder, columns, rows)
        _copy_rows(cursor.cursor, OrderEvent, ["order_id", "kind", "actor_id", "reason", "at"], events)
    _share_sightings(rng, orders, options.sightings)
    return orders


def _share_sightings(rng: random.Random, orders: list[PlannedOrder], total: int) -> None:
    """Heavy-tailed: most orders a handful of sightings, a few (a car that keeps passing cameras) thousands."""
    if not orders:
        return
    weights = [min(rng.paretovariate(1.16), 2_000.0) * max(1, o.end_us - o.created_us) for o in orders]
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights]
    for index in rng.choices(range(len(orders)), weights=weights, k=total - sum(shares)):
        shares[index] += 1
    for order, share in zip(orders, shares, strict=True):
        order.sightings = share


def _share(total: int, day: int, days: int) -> int:
    """Day `day`'s whole share of `total` spread over `days`: the shares add up to exactly `total`."""
    return total * (day + 1) // days - total * day // days


# -- a day of data -----------------------------------------------------------------------------------------------


class DayWriter:
    """Sightings, their ledger entries, footage requests and access-log entries of one day, in time order."""

    def __init__(self, rng: random.Random, ids: Ids, world: World, options: VolumeOptions, days: int) -> None:
        self.rng, self.ids, self.world, self.options = rng, ids, world, options
        self.ledger = Chain(DisclosureEntry)
        self.access = Chain(AccessLogEntry)
        self.stream_position = Sighting.objects.aggregate(last=models.Max("stream_position"))["last"] or 0
        self.days = days
        self.day = 0
        # Footage requests are about sightings: a day without any passes its share on to the next.
        self.footage_owed = 0
        self.counts: Counter[str] = Counter()
        with translation.override(settings.LANGUAGE_CODE):
            self.texts = {
                "data_items": str(ledger_texts.LOCATION_DATA_ITEMS),
                "form": str(ledger_texts.LOCATION_FORM),
                "footage_form": str(ledger_texts.FOOTAGE_FORM),
                "safeguards": str(ledger_texts.SAFEGUARDS),
                "crimes": {slug: str(c.label) for slug, c in CRIME_CATEGORIES.items()},
                "file_name": {
                    m.id: str(ledger_texts.LOCATION_FILE_NAME) % {"municipality": m.name} for m in world.municipalities
                },
                "footage_file_name": {
                    m.id: str(ledger_texts.FOOTAGE_FILE_NAME) % {"municipality": m.name} for m in world.municipalities
                },
                "provider": {
                    m.id: str(ledger_texts.PROVIDER_NAME) % {"municipality": str(m)} for m in world.municipalities
                },
                "location_purpose": {
                    slug: str(ledger_texts.LOCATION_PURPOSE) % {"crime": str(c.label)}
                    for slug, c in CRIME_CATEGORIES.items()
                },
            }
        self.sighting_columns = [
            "id", "order_id", "camera_id", "read_id", "plate", "match_kind", "score", "confidence", "seen_at",
            "received_at", "retrospective", "plate_image", "vehicle_image", "verification", "verified_by_id",
            "verified_at", "acknowledged_by_id", "acknowledged_at", "dispatched_unit", "dispatched_by_id",
            "dispatched_at", "dispatch_status", "stream_position",
        ]  # fmt: skip
        self.footage_columns = [
            "id", "order_id", "sighting_id", "camera_id", "municipality_id", "window_start", "window_end", "purpose",
            "legal_basis", "case_number", "urgent", "requested_by_id", "agency_id", "created_at", "status",
            "decided_by_id", "decided_at", "deny_reason", "escalated_at", "access_until", "access_revoked_at",
            "purge_after", "purged_at",
        ]  # fmt: skip

    def write(self, cursor: Any, day_start: int, day_orders: list[tuple[PlannedOrder, int]], now_us: int) -> None:
        rng, world = self.rng, self.world
        sightings = []  # (received_us, row, order, camera muni index)
        for order, count in day_orders:
            lo, hi = max(order.created_us, day_start), min(order.end_us, day_start + DAY_US, now_us)
            if hi <= lo:
                continue
            for seen in sorted(rng.randrange(lo, hi) for _ in range(count)):
                step = rng.random()
                if step < 0.7:
                    order.position = (order.position + 1) % len(order.route)
                elif step < 0.85:
                    order.position = rng.randrange(len(order.route))
                camera_id, _lat, _lon, muni = order.route[order.position]
                sightings.append((seen + rng.randrange(80_000, 900_000), seen, order, camera_id, muni))
        sightings.sort(key=lambda item: item[0])
        sighting_lines, ledger_lines = [], []
        recent: list[tuple[str, PlannedOrder, str, int, int, str]] = []  # id, order, camera, muni, received, plate
        texts = self.texts
        for received, seen, order, camera_id, muni in sightings:
            sighting_id = self.ids()
            self.stream_position += 1
            if order.pattern:
                kind, plate = Sighting.MatchKind.PATTERN, order.pattern.replace("**", f"{rng.randint(0, 99):02d}")
            elif rng.random() < MISREAD_SHARE:
                kind, plate = Sighting.MatchKind.MISREAD, order.plate[:-1] + str((int(order.plate[-1]) + 3) % 10)
            else:
                kind, plate = Sighting.MatchKind.EXACT, order.plate
            verification, verified_by, verified_at = Sighting.Verification.UNVERIFIED, None, None
            if rng.random() < 0.3:
                verification = (
                    Sighting.Verification.MISREAD
                    if kind == Sighting.MatchKind.MISREAD
                    else Sighting.Verification.CONFIRMED
                )
                verified_by, verified_at = order.issued_by.pk, _ts(received + rng.randrange(10_000_000, 600_000_000))
            seen_text, received_text = _ts(seen), _ts(received)
            sighting_lines.append(
                "\t".join(
                    _text(v)
                    for v in (
                        sighting_id,
                        order.id,
                        camera_id,
                        self.ids(),
                        plate,
                        kind,
                        1.0 if kind == Sighting.MatchKind.EXACT else 0.8,
                        round(rng.uniform(0.7, 0.99), 3),
                        seen_text,
                        received_text,
                        False,
                        "",
                        "",
                        verification,
                        verified_by,
                        verified_at,
                        None,
                        None,
                        "",
                        None,
                        None,
                        "",
                        self.stream_position,
                    )
                )  # fmt: skip
            )
            municipality = world.municipalities[muni]
            ledger_lines.append(
                self.ledger.line(
                    {
                        "id": self.ids(),
                        "kind": DisclosureEntry.Kind.LOCATION.value,
                        "file_name": texts["file_name"][municipality.id],
                        "recipient": order.agency.name,
                        "purpose": texts["location_purpose"][order.crime],
                        "legal_basis": order.legal_basis,
                        "data_items": texts["data_items"],
                        "provided_at": received_text,
                        "window_start": seen_text,
                        "window_end": seen_text,
                        "form": texts["form"],
                        "safeguards": texts["safeguards"],
                        "recipient_agency_id": str(order.agency.id),
                        "municipality_id": municipality.id,
                        "provider": texts["provider"][municipality.id],
                        "requester_id": order.issued_by.pk,
                        "approver_id": None,
                        "case_number": order.case_number,
                        "order_id": order.id,
                        "sighting_id": sighting_id,
                        "camera_id": camera_id,
                        "footage_request_id": None,
                        "plate": plate,
                        "file_hashes": [],
                        "created_at": _ts(received + rng.randrange(1_000, 50_000)),
                        "live_view_id": None,
                        "viewers": None,
                    }
                )
            )
            recent.append((sighting_id, order, camera_id, muni, received, plate))
        _copy(cursor, f"COPY {Sighting._meta.db_table} ({', '.join(self.sighting_columns)}) FROM STDIN", sighting_lines)
        footage = self._footage(cursor, recent, ledger_lines, day_start, now_us)
        _copy(cursor, self.ledger.copy_sql(), ledger_lines)
        self._access(cursor, recent, footage, day_start, min(day_start + DAY_US, now_us))
        self.counts["sightings"] += len(sighting_lines)
        self.counts["ledger"] += len(ledger_lines)
        self.day += 1

    def _footage(self, cursor: Any, recent: list, ledger_lines: list[str], day_start: int, now_us: int) -> list:
        rng, world = self.rng, self.world
        self.footage_owed += _share(self.options.footage, self.day, self.days)
        count = self.footage_owed
        if not recent or count <= 0:
            return []
        self.footage_owed = 0
        rows, made = [], []
        for sighting_id, order, camera_id, muni, received, plate in sorted(
            rng.choices(recent, k=count), key=lambda r: r[4]
        ):
            municipality = world.municipalities[muni]
            created = received + rng.randrange(60_000_000, 3_600_000_000)
            requester = rng.choice(world.officers[order.agency.id])
            operator = rng.choice(world.operators[municipality.id])
            urgent = rng.random() < 0.2
            status, decided, decided_by, deny_reason = FootageRequest.Status.PENDING, None, None, ""
            if created + 6 * 3_600_000_000 < now_us or rng.random() < 0.5:
                decided = created + rng.randrange(300_000_000, 6 * 3_600_000_000)
                decided_by = operator.pk
                if rng.random() < 0.8:
                    status = FootageRequest.Status.APPROVED
                else:
                    status, deny_reason = FootageRequest.Status.DENIED, "요청 기간의 영상이 보존 기간을 지났습니다."
            if decided is not None and decided > now_us:
                status, decided, decided_by, deny_reason = FootageRequest.Status.PENDING, None, None, ""
            request_id = self.ids()
            window_start, window_end = received - 300_000_000, received + 300_000_000
            access_until = purge_after = purged_at = None
            if status == FootageRequest.Status.APPROVED:
                access_until, purge_after = decided + 7 * DAY_US, decided + 30 * DAY_US
                purged_at = purge_after + 3_600_000_000 if purge_after + 3_600_000_000 < now_us else None
            purpose = f"{self.texts['crimes'][order.crime]} 차량 도주 경로 확인"
            rows.append(
                [
                    request_id, order.id, sighting_id, camera_id, municipality.id, _ts(window_start), _ts(window_end),
                    purpose, order.legal_basis, order.case_number or f"긴급-{order.id[:8]}", urgent, requester.pk,
                    order.agency.id, _ts(created), status, decided_by, None if decided is None else _ts(decided),
                    deny_reason, None, None if access_until is None else _ts(access_until), None,
                    None if purge_after is None else _ts(purge_after), None if purged_at is None else _ts(purged_at),
                ]
            )  # fmt: skip
            if status == FootageRequest.Status.APPROVED:
                camera_name = f"V{muni:03d} {municipality.name}"
                ledger_lines.append(
                    self.ledger.line(
                        {
                            "id": self.ids(),
                            "kind": DisclosureEntry.Kind.FOOTAGE.value,
                            "file_name": self.texts["footage_file_name"][municipality.id],
                            "recipient": order.agency.name,
                            "purpose": purpose,
                            "legal_basis": order.legal_basis,
                            "data_items": f"카메라 {camera_name}의 해당 기간 CCTV 영상",
                            "provided_at": _ts(decided),
                            "window_start": _ts(window_start),
                            "window_end": _ts(window_end),
                            "form": self.texts["footage_form"],
                            "safeguards": self.texts["safeguards"],
                            "recipient_agency_id": str(order.agency.id),
                            "municipality_id": municipality.id,
                            "provider": self.texts["provider"][municipality.id],
                            "requester_id": requester.pk,
                            "approver_id": operator.pk,
                            "case_number": order.case_number or f"긴급-{order.id[:8]}",
                            "order_id": order.id,
                            "sighting_id": sighting_id,
                            "camera_id": camera_id,
                            "footage_request_id": request_id,
                            "plate": plate,
                            "file_hashes": [
                                {"name": "clip.mp4", "sha256": hashlib.sha256(request_id.encode()).hexdigest()}
                            ],
                            "created_at": _ts(decided),
                            "live_view_id": None,
                            "viewers": None,
                        }
                    )
                )
            made.append((request_id, municipality.id, requester, operator))
        _copy_rows(cursor, FootageRequest, self.footage_columns, rows)
        self.counts["footage"] += len(rows)
        return made

    def _access(self, cursor: Any, recent: list, footage: list, day_start: int, day_end: int) -> None:
        """A day's looks: officers at orders and hits, operators at their queue, auditors at the ledger."""
        rng, world = self.rng, self.world
        count = _share(self.options.access_log, self.day, self.days)
        if count <= 0 or day_end <= day_start:
            return
        orders = list({id(item[1]): item[1] for item in recent}.values())
        times = sorted(rng.randrange(day_start, day_end) for _ in range(count))
        lines = []
        for at in times:
            roll = rng.random()
            outcome, reason, shown, filters = AccessLogEntry.Outcome.ALLOWED.value, "", None, ""
            object_id = plate = ""
            if roll < 0.62 or not recent:
                agency = rng.choice(world.agencies)
                person = rng.choice(world.officers[agency.id])
                role, agency_id, municipality_id = User.Role.OFFICER.value, str(agency.id), None
                kind = rng.random()
                if kind < 0.3 or not recent:
                    action, object_type, path, shown = "get", "home", "/", 50
                elif kind < 0.5:
                    sighting_id, order, *_ = rng.choice(recent)
                    action, object_type, object_id, plate = "get", "sighting", sighting_id, order.plate or order.pattern
                    path, shown = f"/api/v1/sightings/{sighting_id}/", 1
                elif kind < 0.7 and orders:
                    order = rng.choice(orders)
                    action, object_type, object_id, plate = "get", "wantedorder", order.id, order.plate or order.pattern
                    path, shown = f"/orders/{order.id}/", 1
                elif kind < 0.85:
                    action, object_type, path, shown = "get", "sightings:order-list", "/orders/", 50
                    filters = rng.choice(["", "status=active", "mine=1"])
                else:
                    action, object_type, path, shown = "get", "sightings", "/api/v1/sightings/", 100
            elif roll < 0.88:
                muni = rng.choice(world.municipalities)
                person = rng.choice(world.operators[muni.id])
                role, agency_id, municipality_id = User.Role.OPERATOR.value, None, muni.id
                if footage and rng.random() < 0.5:
                    request_id, *_ = rng.choice(footage)
                    action, object_type, object_id = "get", "footagerequest", request_id
                    path, shown = f"/footage/{request_id}/", 1
                else:
                    action, object_type, path, shown = "get", "sightings:footage-list", "/footage/", 20
            else:
                person = rng.choice(world.auditors)
                role, agency_id, municipality_id = User.Role.AUDITOR.value, None, None
                action, object_type, path, shown = "get", "audit:ledger", "/audit/", 50
                if rng.random() < 0.4:
                    object_type, path = "audit:access-log", "/audit/access/"
                    filters = f"since={_ts(day_start)[:10]}"
            if rng.random() < 0.03:
                outcome = rng.choice(["denied", "not-found", "invalid"])
                reason = {"denied": "forbidden", "not-found": "not found", "invalid": "bad input"}[outcome]
                shown, plate = None, ""
            lines.append(
                self.access.line(
                    {
                        "id": self.ids(),
                        "actor_id": person.pk,
                        "actor_label": person.username,
                        "action": action,
                        "object_type": object_type,
                        "object_id": object_id,
                        "plate": plate,
                        "outcome": outcome,
                        "ip": world.addresses[person.pk],
                        "path": path,
                        "at": _ts(at),
                        "role": role,
                        "agency_id": agency_id,
                        "municipality_id": municipality_id,
                        "shown": shown,
                        "filters": filters,
                        "reason": reason,
                    }
                )
            )
        _copy(cursor, self.access.copy_sql(), lines)
        self.counts["access_log"] += len(lines)


# -- the whole year ----------------------------------------------------------------------------------------------


def volume_seed(options: VolumeOptions, say: Callable[[str], None]) -> VolumeResult:
    """Writes the year (see the module docstring); `say` gets progress lines."""
    result = VolumeResult()
    rng = random.Random(options.seed)
    ids = Ids(random.Random(options.seed + 1))
    now = options.now or timezone.now()
    now_us = int(now.timestamp() * 1_000_000)
    start_us = now_us - options.days * DAY_US
    started = time.perf_counter()

    reference_data_load()
    municipalities, cameras, neighbours = _places(rng, ids, options)
    world = World(municipalities, cameras, neighbours, **_people(rng, ids, options, municipalities))
    orders = _orders(rng, ids, options, world, start_us, now_us)
    result.seconds["places_people_orders"] = round(time.perf_counter() - started, 1)
    say(
        f"{len(municipalities)} municipalities, {sum(map(len, cameras)):,} cameras, {len(world.agencies)} agencies, "
        f"{len(orders):,} orders ({result.seconds['places_people_orders']} s)"
    )

    # Each order's sightings spread over the days it was searched for, as counts per day.
    per_day: dict[int, list[tuple[PlannedOrder, int]]] = defaultdict(list)
    for order in orders:
        if not order.sightings or order.end_us <= order.created_us:
            continue
        first_day, last_day = (order.created_us - start_us) // DAY_US, (order.end_us - 1 - start_us) // DAY_US
        days = list(range(first_day, last_day + 1))
        weights = [
            min(order.end_us, start_us + (d + 1) * DAY_US) - max(order.created_us, start_us + d * DAY_US) for d in days
        ]
        for day, count in Counter(rng.choices(days, weights=weights, k=order.sightings)).items():
            per_day[day].append((order, count))

    writer = DayWriter(rng, ids, world, options, options.days)
    loading = time.perf_counter()
    tables = [model._meta.db_table for model in BULK_TABLES]
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        cursor.execute("SET synchronous_commit = off")
        with indexes_deferred(cursor, tables, say):
            for day in range(options.days):
                day_orders = sorted(per_day.get(day, []), key=lambda item: item[0].created_us)
                writer.write(cursor, start_us + day * DAY_US, day_orders, now_us)
                if (day + 1) % 30 == 0 or day + 1 == options.days:
                    elapsed = time.perf_counter() - loading
                    rows = sum(writer.counts.values())
                    say(
                        f"  day {day + 1}/{options.days}: {writer.counts['sightings']:,} sightings, "
                        f"{writer.counts['ledger']:,} ledger, {writer.counts['access_log']:,} access log, "
                        f"{writer.counts['footage']:,} footage requests; {rows / elapsed:,.0f} rows/s"
                    )
            result.seconds["copy"] = round(time.perf_counter() - loading, 1)
            say(f"Rebuilding indexes and constraints (rows written in {result.seconds['copy']} s)…")
            indexing = time.perf_counter()
        result.seconds["indexes"] = round(time.perf_counter() - indexing, 1)
        summaries = time.perf_counter()
        order_summaries_refresh(cursor)
        result.seconds["order_summaries"] = round(time.perf_counter() - summaries, 1)
        counting = time.perf_counter()
        disclosure_months_rebuild()  # the rows went in by COPY, past the writers that keep these counts
        result.seconds["disclosure_months"] = round(time.perf_counter() - counting, 1)
        counting = time.perf_counter()
        access_counts_rebuild()  # the same for the access log's hours (the anomaly scans)
        result.seconds["access_counts"] = round(time.perf_counter() - counting, 1)
        vacuuming = time.perf_counter()
        # Every table written, the small ones too: a planner that thinks there are 40 users joins them badly.
        written = (
            WantedOrder,
            OrderEvent,
            Camera,
            Municipality,
            User,
            Agency,
            DisclosureMonth,
            DisclosurePublicationMonth,
            AccessHour,
            AccessSubjectHour,
            AccessOrderHour,
        )
        for table in [*tables, *(model._meta.db_table for model in written)]:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        result.seconds["vacuum_analyze"] = round(time.perf_counter() - vacuuming, 1)
        cursor.execute("RESET synchronous_commit")
    result.seconds["total"] = round(time.perf_counter() - started, 1)
    result.counts = {
        "municipalities": len(municipalities),
        "cameras": sum(map(len, cameras)),
        "agencies": len(world.agencies),
        "people": sum(map(len, world.officers.values()))
        + sum(map(len, world.operators.values()))
        + len(world.auditors),
        "orders": len(orders),
        **writer.counts,
    }
    return result


def order_summaries_refresh(cursor: Any) -> None:
    """Fills the orders' kept sighting counts and last-seen times from the sightings, in one statement."""
    cursor.execute(
        "UPDATE sightings_wantedorder o SET sighting_count = s.n, last_seen_at = s.last "
        "FROM (SELECT order_id, count(*) AS n, max(seen_at) AS last FROM sightings_sighting GROUP BY order_id) s "
        "WHERE s.order_id = o.id"
    )
