"""Read ids are remembered per municipality: one centre's ids never make another centre's reads duplicates."""

from __future__ import annotations

import json
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from sightings.models import Sighting
from sightings.reads.ids import read_ids_claim, read_ids_release
from sightings.reads.ingest import reads_match
from sightings.reads.parse import read_check
from tests.factories import integration_key_make
from tests.sightings.reads.helpers import a_read


def post(key: str, reads: list[dict]) -> dict:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = client.post("/api/v1/reads/", json.dumps({"reads": reads}), content_type="application/json")
    assert response.status_code == 202, response.content
    return response.json()


@pytest.fixture
def keys(municipality, other_municipality, camera, other_camera) -> tuple[str, str]:
    return integration_key_make(municipality=municipality), integration_key_make(municipality=other_municipality)


def test_the_same_read_id_from_two_municipalities_is_accepted_and_stored_for_each(keys, camera, other_camera, order):
    read_id = str(uuid.uuid4())
    first = post(keys[0], [a_read(camera.code, "12가3456", read_id=read_id)])
    second = post(keys[1], [a_read(other_camera.code, "12가3456", read_id=read_id)])
    assert first == second == {"accepted": 1, "duplicates": 0, "rejected": []}
    sightings = Sighting.objects.filter(order=order)
    assert sorted(sighting.camera.code for sighting in sightings) == sorted([camera.code, other_camera.code])
    # Each centre's sighting keeps the id its platform sent, so it can be traced back there.
    assert [str(sighting.read_id) for sighting in sightings] == [read_id, read_id]


def test_the_same_read_id_twice_from_one_municipality_is_a_duplicate(keys, camera, other_camera, order):
    read_id = str(uuid.uuid4())
    post(keys[0], [a_read(camera.code, "12가3456", read_id=read_id)])
    post(keys[1], [a_read(other_camera.code, "12가3456", read_id=read_id)])
    again = post(keys[1], [a_read(other_camera.code, "12가3456", read_id=read_id)])
    assert again == {"accepted": 0, "duplicates": 1, "rejected": []}
    assert Sighting.objects.filter(order=order).count() == 2


def test_a_redelivered_batch_of_the_second_municipality_stores_nothing_twice(keys, other_camera, camera, order):
    read_id = str(uuid.uuid4())
    post(keys[0], [a_read(camera.code, "12가3456", read_id=read_id)])
    post(keys[1], [a_read(other_camera.code, "12가3456", read_id=read_id)])
    # The worker runs the second centre's batch again (a redelivery after a lost acknowledgement).
    read = read_check(
        a_read(other_camera.code, "12가3456", read_id=read_id),
        cameras={other_camera.code: str(other_camera.id)},
        now=timezone.now(),
    )
    result = reads_match(municipality_id=other_camera.municipality_id, received_at=timezone.now(), reads=[read])
    assert result.sightings_created == 0
    assert Sighting.objects.filter(order=order).count() == 2


def test_releasing_one_municipalitys_ids_leaves_anothers_claimed(municipality, other_municipality):
    read_id = str(uuid.uuid4())
    assert read_ids_claim(municipality_id=municipality.id, read_ids=[read_id]) == [True]
    assert read_ids_claim(municipality_id=other_municipality.id, read_ids=[read_id]) == [True]
    read_ids_release(municipality_id=other_municipality.id, read_ids=[read_id])
    assert read_ids_claim(municipality_id=municipality.id, read_ids=[read_id]) == [False]
    assert read_ids_claim(municipality_id=other_municipality.id, read_ids=[read_id]) == [True]
