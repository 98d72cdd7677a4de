"""A read's seen_at must be plausible for a live feed: not older than the look-back horizon, not from the future."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import DisclosureEntry
from sightings.models import Sighting
from tests.sightings.reads.helpers import a_read
from tests.sightings.reads.test_api import key, post  # noqa: F401 - the key fixture

WANTED = "12가3456"


def verify_ledger() -> int:
    try:
        call_command("verify_ledger", stdout=io.StringIO(), stderr=io.StringIO())
    except SystemExit as exit_:
        return exit_.code
    return 0


def test_a_read_from_year_1_is_refused_and_the_ledger_stays_intact(key, order):  # noqa: F811
    year_one = a_read(plate=WANTED, seen_at="0001-01-01T00:00:00+00:00")
    response = post({"reads": [a_read(plate=WANTED), year_one]}, key)
    assert response.status_code == 202
    body = response.json()
    assert body["accepted"] == 1
    assert body["rejected"] == [{"index": 1, "errors": {"seen_at": [body["rejected"][0]["errors"]["seen_at"][0]]}}]
    assert "hours old" in body["rejected"][0]["errors"]["seen_at"][0]
    assert Sighting.objects.count() == 1 and DisclosureEntry.objects.count() == 1
    assert verify_ledger() == 0


@pytest.mark.parametrize(
    "seen_at",
    [
        "0001-01-01T00:00:00+00:01",
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59.999999+00:00",
        "9999-12-31T23:59:59-00:01",
        "2026-03-01T08:15:30+23:59",
    ],
)
def test_it_refuses_an_extreme_seen_at_per_item(key, order, seen_at):  # noqa: F811
    response = post({"reads": [a_read(plate=WANTED), a_read(plate=WANTED, seen_at=seen_at)]}, key)
    assert response.status_code == 202
    body = response.json()
    assert body["accepted"] == 1
    assert [(item["index"], list(item["errors"])) for item in body["rejected"]] == [(1, ["seen_at"])]
    assert Sighting.objects.count() == 1


def test_it_refuses_a_read_older_than_the_look_back_horizon(key, settings):  # noqa: F811
    settings.READS_MAX_AGE_HOURS = 72
    now = timezone.now()
    old = a_read(seen_at=(now - dt.timedelta(hours=72, minutes=1)).isoformat())
    recent = a_read(seen_at=(now - dt.timedelta(hours=71)).isoformat())
    body = post({"reads": [recent, old]}, key).json()
    assert body["accepted"] == 1
    assert body["rejected"] == [{"index": 1, "errors": {"seen_at": [body["rejected"][0]["errors"]["seen_at"][0]]}}]
    assert "more than 72 hours old" in body["rejected"][0]["errors"]["seen_at"][0]


def test_the_future_bound_is_a_setting(key, settings):  # noqa: F811
    ahead = (timezone.now() + dt.timedelta(seconds=90)).isoformat()
    settings.READS_MAX_FUTURE_SECONDS = 300
    assert post({"reads": [a_read(seen_at=ahead)]}, key).json()["accepted"] == 1
    settings.READS_MAX_FUTURE_SECONDS = 30
    body = post({"reads": [a_read(seen_at=ahead)]}, key).json()
    assert body["accepted"] == 0
    assert body["rejected"][0]["errors"]["seen_at"] == ["Is in the future; check the camera's clock."]
