import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import User
from audit.models import ChainHeadStatement
from sightings.models import Camera, Municipality, Province, WantedOrder

SHARED_DATA = Path(__file__).resolve().parents[3] / "sightings" / "data"


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_loads_the_real_codes():
    call_command("seed_demo", "--password", "pw-for-test-123", stdout=StringIO())
    first = (
        Province.objects.count(),
        Municipality.objects.count(),
        Camera.objects.count(),
        WantedOrder.objects.count(),
    )
    call_command("seed_demo", "--password", "pw-for-test-123", stdout=StringIO())
    second = (
        Province.objects.count(),
        Municipality.objects.count(),
        Camera.objects.count(),
        WantedOrder.objects.count(),
    )

    assert first == second
    assert first[:2] == (17, 229)
    with (SHARED_DATA / "municipalities.csv").open(encoding="utf-8") as handle:
        codes = {row["code"] for row in csv.DictReader(handle)}
    assert set(Municipality.objects.values_list("code", flat=True)) == codes
    assert Municipality.objects.get(code="11380").name == "은평구"
    assert Municipality.objects.get(code="11650").name == "서초구"


@pytest.mark.django_db
def test_seed_demo_creates_one_user_per_role_with_the_given_password():
    call_command("seed_demo", "--password", "pw-for-test-123", stdout=StringIO())
    users = {user.username: user for user in User.objects.select_related("municipality")}
    assert users["officer"].role == "officer" and users["officer"].agency_id
    assert users["operator"].municipality.code == "11380"
    assert users["operator2"].municipality.code == "11650"
    assert users["auditor"].role == "auditor"
    assert users["admin"].is_superuser
    people = [user for name, user in users.items() if not name.startswith("terminal-")]
    assert all(user.check_password("pw-for-test-123") for user in people)
    # The patrol units' terminal accounts sign in with their unit keys only (docs/UNITS.md).
    terminals = [user for name, user in users.items() if name.startswith("terminal-")]
    assert terminals and not any(user.has_usable_password() for user in terminals)


@pytest.mark.django_db
def test_seed_demo_places_cameras_in_the_pilot_centres_near_their_real_location():
    call_command("seed_demo", stdout=StringIO())
    for code in ("11380", "11650"):
        municipality = Municipality.objects.get(code=code)
        assert municipality.linked_since.year == 2019
        cameras = list(municipality.cameras.all())
        assert len(cameras) >= 6
        for camera in cameras:
            assert abs(camera.lat - municipality.lat) < 0.05 and abs(camera.lon - municipality.lon) < 0.05


@pytest.mark.django_db
def test_seed_demo_publishes_the_chain_heads_so_the_transparency_page_shows_one(
    client, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.CHAIN_HEADS_FILE = tmp_path / "chain-heads.jsonl"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--password", "pw-for-test-123", stdout=StringIO())

    page = client.get("/transparency/")

    ledger_head = ChainHeadStatement.objects.get(chain="ledger")
    assert ledger_head.head_hash in settings.CHAIN_HEADS_FILE.read_text(encoding="utf-8")
    assert ledger_head.signature in page.content.decode()


@pytest.mark.django_db
def test_seed_demo_puts_patrol_units_near_the_pilot_centres_with_an_agreement_for_the_partner_agency():
    from sightings.models import DispatchAgreement, PatrolUnit

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # idempotent
    units = {unit.call_sign: unit for unit in PatrolUnit.objects.select_related("agency")}
    assert {"은평11", "은평12", "은평13", "서초21", "서초22", "서초23"} <= set(units)
    eunpyeong = Municipality.objects.get(code="11380")
    assert abs(units["은평12"].lat - eunpyeong.lat) < 0.05 and units["은평12"].position_fresh()
    assert units["은평12"].status == PatrolUnit.Status.AVAILABLE
    partner = units["성남81"].agency
    assert partner != units["은평12"].agency
    assert DispatchAgreement.objects.filter(unit_agency=partner, dispatching_agency=units["은평12"].agency).count() == 1
