"""The auditor's workspace: the access log with machine traffic apart, one person's trail, one plate's
disclosures (PIPA Art. 35), one order, a ledger entry a person can read, and their CSV exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from audit import tallies
from audit.models import AccessLogEntry, AccessTally, DisclosureEntry
from audit.services import access_log_record, ledger_record_footage
from sightings.models import Sighting
from tests.audit.test_ledger import locations_record
from tests.factories import footage_request_make, integration_key_make, sighting_make
from tests.sightings.reads.helpers import a_read

pytestmark = pytest.mark.services


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def _last_entry() -> AccessLogEntry:
    return AccessLogEntry.objects.order_by("-sequence").first()


@pytest.fixture
def day_of_work(settings, officer, operator, other_operator, order, camera):
    """An officer and two operators at work through the pages, a centre's key posting reads, and the ledger.

    Every person's session starts with their sign-in, itself an entry (a security event)."""
    settings.ACCESS_TALLY_INTERVAL_SECONDS = 10**9  # one interval holds the whole test, whenever it runs
    sightings = [sighting_make(order, camera) for _ in range(3)]
    locations_record(sightings=sightings)
    footage = footage_request_make(order=order, camera=camera, requested_by=officer, sighting=sightings[0])
    ledger_record_footage(request=footage, approver=operator, files=[("clip.mp4", "ab" * 32)])
    officer_client = _signed_in(officer)
    officer_client.get(reverse("sighting", args=[sightings[0].id]))
    officer_client.get(reverse("order", args=[order.id]))
    officer_client.get(reverse("audit:ledger"))  # refused
    _signed_in(operator).get(reverse("footage-requests"))
    _signed_in(other_operator).get(reverse("footage-request", args=[footage.id]))  # another municipality's: 404
    key = integration_key_make(municipality=camera.municipality)
    machine = APIClient()
    machine.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    for _ in range(3):
        read = {**a_read(), "camera": camera.code}
        machine.post("/api/v1/reads/", data=json.dumps({"reads": [read]}), content_type="application/json")
    tallies.tallies_flush(everything=True)
    # A refusal of nobody signed in, as the security layer writes it: a machine entry of the access log.
    access_log_record(actor=None, action="view", obj=("sighting", ""), outcome="denied")
    return sightings


# ---- the access log ----------------------------------------------------------------------------------------


def test_people_are_listed_and_machine_entries_hidden_until_asked(auditor, day_of_work):
    client = _signed_in(auditor)
    people = client.get(reverse("audit:access-log")).context["page"].object_list
    assert people and all(row.actor_id is not None for row in people)
    assert {row.actor_label for row in people} == {"officer", "operator", "operator-elsewhere", "auditor"}
    everything = client.get(reverse("audit:access-log"), {"machines": "on"}).context["page"].object_list
    assert any(row.actor_id is None for row in everything)


@pytest.mark.parametrize(
    ("query", "people"),
    [
        ({"role": "operator"}, {"operator", "operator-elsewhere"}),
        ({"municipality": "은평구"}, {"operator"}),
        ({"municipality": "서울 서초구"}, {"operator-elsewhere"}),
        ({"municipality": "11650"}, {"operator-elsewhere"}),
        ({"agency": "서울경찰청"}, {"officer"}),
        ({"actor": "officer"}, {"officer"}),
        ({"object_type": "wantedorder"}, {"officer"}),
        ({"outcome": "refused"}, {"officer", "operator-elsewhere"}),
        ({"outcome": "not-found"}, {"operator-elsewhere"}),
        ({"since": "2000-01-01", "until": "2000-01-31"}, set()),
    ],
)
def test_the_auditor_filters_by_person_role_municipality_kind_outcome_and_period(auditor, day_of_work, query, people):
    response = _signed_in(auditor).get(reverse("audit:access-log"), query)
    assert response.status_code == 200
    assert {row.actor_label for row in response.context["page"].object_list} == people


def test_a_refusal_says_why_and_who(auditor, day_of_work, other_operator):
    query = {"actor": "operator-elsewhere", "outcome": "refused"}
    response = _signed_in(auditor).get(reverse("audit:access-log"), query)
    [row] = response.context["page"].object_list
    assert row.outcome == "not-found" and row.role == "operator" and row.municipality.name == "서초구"
    text = response.content.decode()
    assert "서울특별시 서초구" in text and "KST" in text


def test_long_lists_go_page_by_page_from_the_newest(settings, auditor, officer, order):
    officer_client = _signed_in(officer)
    for _ in range(55):
        officer_client.get(reverse("order", args=[order.id]))
    client = _signed_in(auditor)
    query = {"actor": "officer", "object_type": "wantedorder"}
    first = client.get(reverse("audit:access-log"), query).context["page"]
    assert len(first.object_list) == 50 and first.count == 55 and first.older is not None and first.newer is None
    second = client.get(reverse("audit:access-log"), {**query, "before": first.older}).context["page"]
    assert len(second.object_list) == 5 and second.older is None and second.newer == second.object_list[0].sequence
    back = client.get(reverse("audit:access-log"), {**query, "after": second.newer}).context["page"]
    assert [row.sequence for row in back.object_list] == [row.sequence for row in first.object_list]


@pytest.mark.parametrize("query", [{"before": "soon"}, {"role": "janitor"}, {"since": "yesterday"}])
def test_bad_filters_and_cursors_are_named_with_400(auditor, day_of_work, query):
    response = _signed_in(auditor).get(reverse("audit:access-log"), query)
    assert response.status_code == 400
    errors = response.context["filter"].form.errors
    assert set(query) & set(errors) or "before" in str(errors)
    assert list(response.context["page"].object_list) == []


def test_the_access_log_exports_its_filtered_rows_as_csv(auditor, day_of_work):
    client = _signed_in(auditor)
    rows = _csv(client.get(reverse("audit:access-log-csv"), {"role": "operator"}))
    assert {row["person"] for row in rows} == {"operator", "operator-elsewhere"}
    assert {row["municipality"] for row in rows} == {"서울특별시 은평구 (11380)", "서울특별시 서초구 (11650)"}
    assert all(row["at"].endswith("+09:00") for row in rows)
    assert _last_entry().action == "export" and _last_entry().object_type == "access_log"


def test_a_cell_a_spreadsheet_would_run_is_neutralised(auditor, agency, order):
    trickster = User.objects.create(username="=cmd|calc", role=User.Role.OFFICER, agency=agency)
    _signed_in(trickster).get(reverse("order", args=[order.id]))
    rows = _csv(_signed_in(auditor).get(reverse("audit:access-log-csv"), {"object_type": "wantedorder"}))
    assert [row["person"] for row in rows] == ["'=cmd|calc"]


# ---- machine traffic ---------------------------------------------------------------------------------------


def test_key_use_is_counted_on_its_own_tab(auditor, day_of_work, municipality):
    client = _signed_in(auditor)
    response = client.get(reverse("audit:machine-traffic"))
    assert response.status_code == 200
    [tally] = [row for row in response.context["page"].object_list if row.kind == AccessTally.Kind.KEY_USE]
    assert tally.count == 3 and tally.municipality == municipality
    summary = {item["kind"]: item["requests"] for item in response.context["summary"]["kinds"]}
    assert summary["key-use"] == 3
    text = response.content.decode()
    assert 'data-testid="machine-requests-key-use">3<' in text and "centre platform" in text
    # Not among people's entries.
    assert not client.get(reverse("audit:access-log"), {"actor": tally.actor_label}).context["page"].object_list


@pytest.mark.parametrize(
    ("query", "kinds"),
    [({"municipality": "은평"}, {"key-use"}), ({"municipality": "서초구"}, set()), ({"kind": "refusal"}, set())],
)
def test_machine_traffic_filters_by_municipality_name_and_kind(auditor, day_of_work, query, kinds):
    page = _signed_in(auditor).get(reverse("audit:machine-traffic"), query).context["page"]
    assert {tally.kind for tally in page.object_list} == kinds


def test_machine_traffic_exports_as_csv(auditor, day_of_work):
    [row] = _csv(_signed_in(auditor).get(reverse("audit:machine-traffic-csv"), {"kind": "key-use"}))
    assert row["count"] == "3" and row["key_name"] == "centre platform" and row["actor"].startswith("key:")


# ---- one person --------------------------------------------------------------------------------------------


def test_one_persons_trail_holds_their_looks_and_their_disclosures(auditor, day_of_work, officer):
    client = _signed_in(auditor)
    response = client.get(reverse("audit:person"), {"person": "officer"})
    assert response.status_code == 200
    looks, given = response.context["looks"], response.context["given"]
    # Newest first: the refused ledger, the order, the sighting, and the sign-in that started the session.
    assert [row.object_type for row in looks.object_list] == ["ledger", "wantedorder", "sighting", "user"]
    # Requested: three hits delivered under the officer's order and the footage request.
    assert given.count == 4
    assert _last_entry().object_type == "person" and _last_entry().object_id == "officer"
    rows = _csv(client.get(reverse("audit:person-csv"), {"person": "officer"}))
    assert sorted(row["record"] for row in rows) == ["access"] * 4 + ["ledger"] * 4
    assert [row["at"] for row in rows] == sorted((row["at"] for row in rows), reverse=True)


def test_an_approver_sees_what_they_approved(auditor, day_of_work, operator):
    response = _signed_in(auditor).get(reverse("audit:person"), {"person": "operator"})
    [entry] = response.context["given"].object_list
    assert entry.kind == "footage" and entry.approver_id == operator.pk


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        ("audit:person", {"person": "nobody"}, "person"),
        ("audit:person", {"person": "officer", "since": "yesterday"}, "since"),
        ("audit:person-csv", {}, "person"),
    ],
)
def test_an_unknown_person_or_bad_period_is_named(auditor, day_of_work, url, query, field):
    response = _signed_in(auditor).get(reverse(url), query)
    assert response.status_code == 400
    assert field in (response.content.decode() if url.endswith("csv") else response.context["form"].errors)


# ---- one plate (PIPA Art. 35) ------------------------------------------------------------------------------


def test_a_plate_search_needs_a_reason(auditor, day_of_work):
    response = _signed_in(auditor).get(reverse("audit:plate"), {"plate": "12가3456"})
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    assert "page" not in response.context
    assert _last_entry().plate == "" and _last_entry().outcome == "invalid"
    assert _signed_in(auditor).get(reverse("audit:plate-csv"), {"plate": "12가3456"}).status_code == 400


def test_a_plate_search_lists_every_disclosure_and_is_logged_once_with_its_reason(auditor, day_of_work, order):
    client = _signed_in(auditor)
    before = AccessLogEntry.objects.count()
    response = client.get(reverse("audit:plate"), {"plate": "12가 3456", "reason": "Data subject request 2026-118"})
    assert response.status_code == 200
    entries = response.context["page"].object_list
    assert len(entries) == 4 and {entry.kind for entry in entries} == {"location", "footage"}
    assert AccessLogEntry.objects.count() == before + 1
    logged = _last_entry()
    assert (logged.actor_label, logged.action, logged.object_type) == ("auditor", "search", "plate")
    assert logged.reason == "Data subject request 2026-118" and logged.plate == "12가3456" and logged.shown == 4
    rows = _csv(
        client.get(reverse("audit:plate-csv"), {"plate": "12가3456", "reason": "Data subject request 2026-118"})
    )
    assert len(rows) == 4 and {row["case_number"] for row in rows} == {order.case_number}
    assert _last_entry().action == "export" and _last_entry().reason == "Data subject request 2026-118"


def test_a_plate_that_matches_nothing_leaves_no_plate_in_the_log(auditor, day_of_work):
    response = _signed_in(auditor).get(reverse("audit:plate"), {"plate": "99허9999", "reason": "Data subject request"})
    assert response.status_code == 200 and response.context["page"].count == 0
    logged = _last_entry()
    assert logged.plate == "" and "99허9999" not in logged.filters and logged.reason == "Data subject request"


def test_a_plate_search_still_answers_after_the_sightings_are_purged(auditor, order, camera):
    sightings = [sighting_make(order, camera, plate="12가3456") for _ in range(2)]
    locations_record(sightings=sightings)
    Sighting.objects.filter(pk__in=[sighting.pk for sighting in sightings]).delete()  # retention ran
    page = _signed_in(auditor).get(reverse("audit:plate"), {"plate": "12가3456", "reason": "Data subject request"})
    assert page.context["page"].count == 2
    assert set(DisclosureEntry.objects.values_list("plate", flat=True)) == {"12가3456"}


def test_a_misread_of_another_vehicle_is_listed_under_the_plate_read(auditor, order, camera):
    locations_record(sightings=[sighting_make(order, camera, plate="12가3459", match_kind="misread")])
    page = _signed_in(auditor).get(reverse("audit:plate"), {"plate": "12가3459", "reason": "Data subject request"})
    assert page.context["page"].count == 1


# ---- one order, one ledger entry ---------------------------------------------------------------------------


def test_the_order_page_shows_its_disclosures_and_who_looked(auditor, day_of_work, order):
    response = _signed_in(auditor).get(reverse("audit:order", args=[order.id]))
    assert response.status_code == 200
    assert len(response.context["disclosures"]) == 4
    assert [row.actor_label for row in response.context["looks"]] == ["officer"]
    assert order.case_number in response.content.decode()
    assert (
        _signed_in(auditor).get(reverse("audit:order", args=["00000000-0000-0000-0000-000000000000"])).status_code
        == 404
    )


def test_a_ledger_entry_names_its_order_camera_request_and_people(auditor, day_of_work, order, camera, officer):
    entry = DisclosureEntry.objects.get(kind="footage")
    response = _signed_in(auditor).get(reverse("audit:ledger-entry", args=[entry.id]))
    text = response.content.decode()
    assert response.context["integrity"] == {"content": True, "link": True}
    for shown in (order.plate, order.case_number, camera.name, "서울특별시 은평구", "KST"):
        assert shown in text
    assert reverse("audit:order", args=[order.id]) in text
    assert f"{reverse('audit:person')}?person=officer" in text and f"{reverse('audit:person')}?person=operator" in text
    assert reverse("audit:verify") in text
    assert str(entry.camera_id) not in text and str(entry.footage_request_id) not in text


def test_a_ledger_entry_whose_sighting_was_purged_still_reads(auditor, order, camera):
    sighting = sighting_make(order, camera)
    [entry] = locations_record(sightings=[sighting])
    sighting.delete()
    response = _signed_in(auditor).get(reverse("audit:ledger-entry", args=[entry.id]))
    assert response.status_code == 200
    assert "deleted under its retention period" in response.content.decode()
