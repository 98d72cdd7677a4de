"""The demo's cameras, agency, users and orders: realistic, deterministic and idempotent."""

from __future__ import annotations

import datetime as dt
import math
import random

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Agency, User
from sightings.models import Camera, FootageRequest, Municipality, OrderEvent, Sighting, WantedOrder

# A corridor from 고양 through Seoul to 성남 and on to 수원, so simulated vehicles cross municipalities.
# 은평구 and 서초구 were the first centres linked to the police in 2019.
CAMERA_PLAN: dict[str, tuple[dt.date, list[str]]] = {
    "41280": (dt.date(2020, 7, 1), ["중앙로", "고양대로", "호국로", "통일로", "강송로", "백석로"]),
    "11380": (
        dt.date(2019, 9, 2),
        ["통일로", "연서로", "진관대로", "은평로", "서오릉로", "증산로", "수색로", "가좌로"],
    ),
    "11410": (dt.date(2020, 3, 2), ["통일로", "연희로", "성산로", "신촌로", "독립문로", "충정로"]),
    "11440": (dt.date(2020, 3, 2), ["월드컵로", "마포대로", "양화로", "성산로", "강변북로", "독막로"]),
    "11110": (dt.date(2021, 1, 4), ["세종대로", "종로", "율곡로", "자하문로", "대학로", "창경궁로"]),
    "11650": (
        dt.date(2019, 9, 2),
        ["강남대로", "반포대로", "서초대로", "남부순환로", "사평대로", "양재대로", "헌릉로", "방배로"],
    ),
    "11680": (dt.date(2020, 9, 1), ["테헤란로", "도산대로", "영동대로", "언주로", "봉은사로", "삼성로"]),
    "41130": (dt.date(2021, 6, 1), ["성남대로", "분당수서로", "판교로", "수정로", "산성대로", "야탑로"]),
    "41110": (dt.date(2021, 6, 1), ["경수대로", "수원천로", "권광로", "팔달로", "중부대로", "동수원로"]),
}

DEMO_AGENCY = {"code": "smpa-112", "name": "서울경찰청 112치안종합상황실"}

DEMO_ORDERS = [
    {
        "plate": "12가3456",
        "crime": "robbery",
        "legal_basis": "18-2-7",
        "case_number": "2026-서울은평-01234",
        "priority": WantedOrder.Priority.HIGH,
        "vehicle": {"make": "현대", "model": "쏘나타", "colour": "흰색"},
    },
    {
        "plate": "234러5678",
        "crime": "kidnapping",
        "legal_basis": "18-2-3",
        "case_number": "2026-서울서초-00417",
        "priority": WantedOrder.Priority.URGENT,
        "urgency_confirmed_by": "112 상황팀장 김민수",
        "vehicle": {"make": "기아", "model": "카니발", "colour": "검정"},
    },
    {
        "plate": "68보1029",
        "crime": "missing-dementia",
        "legal_basis": "18-2-3",
        "case_number": "",
        "priority": WantedOrder.Priority.URGENT,
        "urgency_confirmed_by": "112 상황팀장 김민수",
        "vehicle": {"make": "현대", "model": "아반떼", "colour": "은색"},
    },
    {
        "pattern": "45누71**",
        "crime": "hit-and-run",
        "legal_basis": "18-2-7",
        "case_number": "2026-경기성남-00981",
        "priority": WantedOrder.Priority.NORMAL,
        "vehicle": {"make": "제네시스", "model": "G80", "colour": "회색"},
    },
]


def _cameras_around(municipality: Municipality, roads: list[str]) -> list[dict]:
    # Seeded by the code so every run puts each camera in the same place.
    rng = random.Random(municipality.code)
    cameras = []
    for number, road in enumerate(roads, start=1):
        angle = rng.uniform(0, 2 * math.pi)
        distance_km = rng.uniform(0.3, 2.2)
        cameras.append(
            {
                "code": f"{municipality.code}-C{number:03d}",
                "name": f"{municipality.name} {road} {rng.randint(1, 9)}번 교차로",
                "lat": round(municipality.lat + distance_km / 111.0 * math.sin(angle), 6),
                "lon": round(municipality.lon + distance_km / 88.0 * math.cos(angle), 6),
                "kind": Camera.Kind.ARTERIAL if number % 3 else Camera.Kind.CRIME_PREVENTION,
            }
        )
    return cameras


@transaction.atomic
def demo_cameras_seed() -> int:
    count = 0
    for code, (linked_since, roads) in CAMERA_PLAN.items():
        municipality = Municipality.objects.get(code=code)
        municipality.linked_since = linked_since
        municipality.save(update_fields=["linked_since"])
        for camera in _cameras_around(municipality, roads):
            Camera.objects.update_or_create(municipality=municipality, code=camera.pop("code"), defaults=camera)
            count += 1
    return count


def _user(username: str, password: str, **fields) -> User:
    user, _ = User.objects.update_or_create(username=username, defaults=fields)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def demo_people_seed(*, password: str) -> tuple[Agency, User]:
    agency, _ = Agency.objects.update_or_create(code=DEMO_AGENCY["code"], defaults={"name": DEMO_AGENCY["name"]})
    officer = _user(
        "officer", password, role=User.Role.OFFICER, agency=agency, first_name="지훈", last_name="박", is_active=True
    )
    _user(
        "operator",
        password,
        role=User.Role.OPERATOR,
        municipality=Municipality.objects.get(code="11380"),
        first_name="서연",
        last_name="이",
    )
    _user(
        "operator2",
        password,
        role=User.Role.OPERATOR,
        municipality=Municipality.objects.get(code="11650"),
        first_name="도윤",
        last_name="최",
    )
    _user("auditor", password, role=User.Role.AUDITOR, first_name="하은", last_name="정")
    _user("admin", password, role=User.Role.ADMIN, is_staff=True, is_superuser=True)
    return agency, officer


@transaction.atomic
def demo_orders_seed(*, agency: Agency, officer: User) -> int:
    now = timezone.now()
    for spec in DEMO_ORDERS:
        spec = dict(spec)
        key = {"plate": spec.pop("plate", ""), "pattern": spec.pop("pattern", ""), "agency": agency}
        order, created = WantedOrder.objects.update_or_create(
            **key,
            defaults={
                **spec,
                "issued_by": officer,
                "status": WantedOrder.Status.ACTIVE,
                "expires_at": now + dt.timedelta(days=7),
            },
        )
        if created:
            OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.CREATED, actor=officer, reason="demo")
    return len(DEMO_ORDERS)


# The two centres whose operators the demo signs in as: each starts with an urgent request to decide, and the
# simulation keeps sending wanted vehicles through them and asking them for footage of what it found.
DEMO_OPERATOR_CENTRES = ("11380", "11650")
DEMO_FOOTAGE_PURPOSE = "납치 의심 차량의 도주 경로 확인 (데모)"


def _demo_order_for_footage(agency: Agency) -> WantedOrder | None:
    return WantedOrder.objects.active().filter(agency=agency, plate="234러5678").first()


def demo_footage_requests_seed(*, agency: Agency, officer: User) -> int:
    """An undecided urgent request in each demo operator's queue (none added where one is still in time)."""
    from sightings.footage.services import footage_request_create

    order = _demo_order_for_footage(agency)
    if order is None:
        return 0
    now = timezone.now()
    made = 0
    for code in DEMO_OPERATOR_CENTRES:
        # One made by an earlier run and left undecided has escalated by now; the newcomer gets a fresh one beside it.
        waiting = FootageRequest.objects.filter(
            municipality__code=code,
            status=FootageRequest.Status.PENDING,
            requested_by=officer,
            created_at__gt=now - dt.timedelta(minutes=settings.FOOTAGE_URGENT_ESCALATE_MINUTES),
        )
        camera = Camera.objects.filter(municipality__code=code, active=True).order_by("code").first()
        if waiting.exists() or camera is None:
            continue
        with transaction.atomic():
            footage_request_create(
                requested_by=officer,
                order=order,
                camera=camera,
                window_start=now - dt.timedelta(minutes=40),
                window_end=now - dt.timedelta(minutes=30),
                purpose=DEMO_FOOTAGE_PURPOSE,
                urgent=True,
            )
        made += 1
    return made


def demo_footage_request_next(*, officer_username: str = "officer") -> FootageRequest | None:
    """The demo officer asks a demo centre for footage of its latest hit not yet asked about (the simulation
    calls this now and then, so the operators always have something to decide)."""
    from sightings.footage.services import footage_request_create

    officer = User.objects.filter(username=officer_username, role=User.Role.OFFICER).first()
    if officer is None:
        return None
    since = timezone.now() - dt.timedelta(hours=1)
    sighting = (
        Sighting.objects.filter(
            WantedOrder.objects.active_q("order__"),
            camera__municipality__code__in=DEMO_OPERATOR_CENTRES,
            order__agency_id=officer.agency_id,
            seen_at__gte=since,
            footage_requests__isnull=True,
        )
        .select_related("order", "camera__municipality")
        .order_by("-seen_at")
        .first()
    )
    if sighting is None:
        return None
    with transaction.atomic():
        return footage_request_create(
            requested_by=officer,
            order=sighting.order,
            sighting=sighting,
            purpose=DEMO_FOOTAGE_PURPOSE,
            urgent=sighting.order.priority == WantedOrder.Priority.URGENT,
        )


# Patrol units (docs/UNITS.md): a few cars in each district of the camera corridor, the demo officer's agency's in
# Seoul and the 경기남부 agency's south of it, which lets the demo agency send its cars by a standing agreement.
DEMO_PARTNER_AGENCY = {"code": "ggpa-112", "name": "경기남부경찰청 112치안종합상황실"}
DEMO_UNITS: dict[str, list[str]] = {
    "11380": ["은평11", "은평12", "은평13"],
    "11650": ["서초21", "서초22", "서초23"],
    "11410": ["서대문31"],
    "11440": ["마포41"],
    "11110": ["종로51"],
    "11680": ["강남61", "강남62"],
    "41280": ["고양71"],
    "41130": ["성남81", "성남82"],
    "41110": ["수원91"],
}
DEMO_PARTNER_MUNICIPALITIES = ("41130", "41110")
# The car whose terminal a person opens in the demo (/unit/): the simulation moves it but never reports for it.
DEMO_PHONE_UNIT = "은평12"


def demo_unit_terminal_username(call_sign: str) -> str:
    municipality = next(code for code, signs in DEMO_UNITS.items() if call_sign in signs)
    return f"terminal-{municipality}-{DEMO_UNITS[municipality].index(call_sign) + 1}"


@transaction.atomic
def demo_units_seed(*, agency: Agency) -> int:
    """The demo's patrol units, available near the middle of their district, each with its terminal's account."""
    from sightings.models import DispatchAgreement, PatrolUnit

    partner, _ = Agency.objects.update_or_create(
        code=DEMO_PARTNER_AGENCY["code"], defaults={"name": DEMO_PARTNER_AGENCY["name"]}
    )
    DispatchAgreement.objects.get_or_create(unit_agency=partner, dispatching_agency=agency)
    now = timezone.now()
    count = 0
    for code, call_signs in DEMO_UNITS.items():
        municipality = Municipality.objects.get(code=code)
        owner = partner if code in DEMO_PARTNER_MUNICIPALITIES else agency
        rng = random.Random(f"units-{code}")
        for call_sign in call_signs:
            PatrolUnit.objects.update_or_create(
                call_sign=call_sign,
                defaults={
                    "agency": owner,
                    "status": PatrolUnit.Status.AVAILABLE,
                    "status_at": now,
                    "assignment": None,
                    "assigned_at": None,
                    "lat": round(municipality.lat + rng.uniform(-0.012, 0.012), 6),
                    "lon": round(municipality.lon + rng.uniform(-0.015, 0.015), 6),
                    "heading_deg": None,
                    "accuracy_m": None,
                    "position_at": now,
                },
            )
            terminal, _ = User.objects.update_or_create(
                username=demo_unit_terminal_username(call_sign),
                defaults={"role": User.Role.OFFICER, "agency": owner, "first_name": call_sign, "is_active": True},
            )
            terminal.set_unusable_password()  # a terminal signs in with its unit key only
            terminal.save(update_fields=["password"])
            count += 1
    return count
