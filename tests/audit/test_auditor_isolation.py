"""Auditors read the records of disclosures, never the disclosed material: no footage, no live alerts."""

from __future__ import annotations

import pytest

from sightings.live.alerts import groups_for_user
from tests.factories import footage_request_make, sighting_make


@pytest.mark.parametrize("url", ["/api/v1/footage-requests/", "/api/v1/sightings/"])
def test_an_auditor_cannot_list_footage_or_sightings(client, auditor, order, camera, officer, url):
    footage_request_make(order=order, camera=camera, requested_by=officer)
    sighting_make(order, camera)
    client.force_login(auditor)
    response = client.get(url)
    assert response.status_code == 403


def test_an_auditor_cannot_open_a_footage_requests_files(client, auditor, order, camera, officer):
    footage_request = footage_request_make(order=order, camera=camera, requested_by=officer)
    client.force_login(auditor)
    assert client.get(f"/api/v1/footage-requests/{footage_request.id}/footage/").status_code in (403, 404)


def test_an_auditor_joins_no_live_alert_group(auditor):
    assert groups_for_user(auditor) == []
