"""POST /api/v1/reads/: a municipality's platform hands in plate reads (docs/INGEST.md)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from unittest import mock

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiKey
from accounts.services import api_key_create, api_key_revoke
from sightings.models import Camera, Sighting
from tests.factories import integration_key_make
from tests.sightings.reads.helpers import JPEG_B64, a_read

URL = "/api/v1/reads/"


@pytest.fixture
def key(municipality, camera) -> str:
    return integration_key_make(municipality=municipality)


def post(body, key: str | None, **extra):
    client = APIClient()
    if key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **extra)


def test_it_accepts_a_batch_and_stores_a_sighting_for_the_wanted_plate(key, camera, order):
    reads = [a_read(), a_read(plate="12가 3456", plate_image=JPEG_B64), a_read(plate="345나6789")]
    response = post({"reads": reads}, key)
    assert response.status_code == 202, response.content
    assert response.json() == {"accepted": 3, "duplicates": 0, "rejected": []}
    sighting = Sighting.objects.get()
    assert (sighting.order, sighting.camera, sighting.plate) == (order, camera, "12가3456")
    assert str(sighting.read_id) == reads[1]["read_id"]


def test_it_refuses_a_request_without_a_key(camera):
    response = post({"reads": [a_read()]}, None)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert set(response.json()) == {"detail", "errors"}


def test_it_refuses_a_wrong_key(key):
    response = post({"reads": [a_read()]}, key[:-2] + "xx")
    assert response.status_code == 401


def test_it_refuses_text_that_is_not_a_key(camera):
    assert post({"reads": [a_read()]}, "not-a-key").status_code == 401


def test_it_refuses_a_revoked_key(municipality, camera):
    api_key, raw = api_key_create(name="platform", municipality=municipality)
    api_key_revoke(api_key=api_key)
    assert post({"reads": [a_read()]}, raw).status_code == 401


def test_it_refuses_an_expired_key(municipality, camera):
    api_key, raw = api_key_create(name="platform", municipality=municipality)
    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert post({"reads": [a_read()]}, raw).status_code == 401


def test_it_refuses_a_personal_key(officer, camera):
    _, raw = api_key_create(name="mine", user=officer)
    response = post({"reads": [a_read()]}, raw)
    assert response.status_code == 403
    assert "integration key" in response.json()["detail"]


def test_it_refuses_a_signed_in_person_without_a_key(officer, camera):
    client = APIClient()
    client.force_login(officer)
    response = client.post(URL, data=json.dumps({"reads": [a_read()]}), content_type="application/json")
    assert response.status_code == 401


def test_it_rejects_a_camera_of_another_municipality_per_item(key, other_camera, order):
    response = post({"reads": [a_read(), a_read(camera_code=other_camera.code, plate="12가3456")]}, key)
    assert response.status_code == 202
    body = response.json()
    assert body["accepted"] == 1
    assert body["rejected"] == [{"index": 1, "errors": {"camera": [body["rejected"][0]["errors"]["camera"][0]]}}]
    assert not Sighting.objects.exists()


def test_it_rejects_a_switched_off_camera_per_item(key, camera):
    Camera.objects.filter(pk=camera.pk).update(reads_plates=False)
    body = post({"reads": [a_read()]}, key).json()
    assert body["accepted"] == 0 and list(body["rejected"][0]["errors"]) == ["camera"]


@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe", b"[1, 2]", b'"reads"'])
def test_it_answers_400_to_a_body_that_is_not_a_json_object(key, raw):
    response = post(raw, key)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["body"]


@pytest.mark.parametrize("body", [{}, {"reads": None}, {"reads": {"0": {}}}, {"reads": []}])
def test_it_answers_400_naming_reads_when_there_is_no_list_of_reads(key, body):
    response = post(body, key)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reads"]


def test_it_refuses_1001_reads_without_queueing_any(key, order):
    response = post({"reads": [a_read(plate="12가3456") for _ in range(1001)]}, key)
    assert response.status_code == 400
    assert "1000" in response.json()["errors"]["reads"][0]
    assert not Sighting.objects.exists()


def test_it_accepts_1000_reads(key):
    response = post({"reads": [a_read() for _ in range(1000)]}, key)
    assert response.status_code == 202 and response.json()["accepted"] == 1000


def test_it_answers_413_to_an_oversized_body_before_parsing_it(key, settings):
    settings.READS_MAX_BODY_BYTES = 2048
    response = post(b"{" + b" " * 4096 + b"}", key)
    assert response.status_code == 413
    assert set(response.json()) == {"detail", "errors"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"plate": "12X3456"}, "plate"),
        ({"plate": "00가1234"}, "plate"),
        ({"plate": ""}, "plate"),
        ({"plate": 123}, "plate"),
        ({"plate": "가" * 500}, "plate"),
        ({"seen_at": "2026-03-01T08:15:30"}, "seen_at"),
        ({"seen_at": "yesterday"}, "seen_at"),
        ({"seen_at": 1767225600}, "seen_at"),
        ({"seen_at": (timezone.now() + dt.timedelta(hours=2)).isoformat()}, "seen_at"),
        ({"confidence": 1.5}, "confidence"),
        ({"confidence": -0.1}, "confidence"),
        ({"confidence": "high"}, "confidence"),
        ({"confidence": True}, "confidence"),
        ({"plate_image": "not base64!"}, "plate_image"),
        ({"vehicle_image": "aGVsbG8="}, "vehicle_image"),
        ({"plate_image": 42}, "plate_image"),
        ({"read_id": "not-a-uuid"}, "read_id"),
        ({"read_id": None}, "read_id"),
        ({"camera": ["11380-C001"]}, "camera"),
        ({"camera": "11380-C001" * 100}, "camera"),
    ],
)
def test_it_rejects_a_bad_field_per_item_and_accepts_the_rest(key, fields, field):
    response = post({"reads": [a_read(), a_read(**fields)]}, key)
    assert response.status_code == 202
    body = response.json()
    assert body["accepted"] == 1
    assert [(item["index"], list(item["errors"])) for item in body["rejected"]] == [(1, [field])]


def test_it_rejects_a_read_that_is_not_an_object(key):
    body = post({"reads": ["12가3456", a_read()]}, key).json()
    assert body["accepted"] == 1 and body["rejected"][0]["index"] == 0


def test_it_names_every_bad_field_of_a_read(key):
    body = post({"reads": [{"read_id": "x", "camera": "nope", "plate": "?", "seen_at": "?"}]}, key).json()
    assert set(body["rejected"][0]["errors"]) == {"read_id", "camera", "plate", "seen_at"}


def test_it_counts_a_read_repeated_within_a_batch_once(key, order):
    read = a_read(plate="12가3456")
    body = post({"reads": [read, read, a_read()]}, key).json()
    assert body == {"accepted": 2, "duplicates": 1, "rejected": []}
    assert Sighting.objects.count() == 1


def test_it_counts_a_read_sent_again_in_a_later_batch_as_a_duplicate(key, order):
    read = a_read(plate="12가3456")
    assert post({"reads": [read]}, key).json()["accepted"] == 1
    body = post({"reads": [read, a_read()]}, key).json()
    assert body == {"accepted": 1, "duplicates": 1, "rejected": []}
    assert Sighting.objects.count() == 1


def test_it_checks_a_full_batch_with_a_fixed_number_of_queries(key, order, django_assert_max_num_queries):
    post({"reads": [a_read()]}, key)  # compiles the hotlist and notes the key's use
    # The key, its access-log entry (with the chain lock on PostgreSQL), the cameras, the hotlist version, the
    # municipality's look-back setting: none of it per read.
    with django_assert_max_num_queries(10):
        response = post({"reads": [a_read() for _ in range(1000)]}, key)
    assert response.json()["accepted"] == 1000


def test_the_schema_documents_the_endpoint(admin_user):
    client = APIClient()
    client.force_login(admin_user)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/reads/"]["post"]
    assert operation["operationId"] == "reads_submit"
    assert "202" in operation["responses"]
    assert "PlateRead" in schema["components"]["schemas"]


def test_a_batch_that_cannot_be_queued_is_not_accepted_and_no_log_line_has_a_plate(key, caplog):
    caplog.set_level(logging.DEBUG)
    read = a_read(plate="77다7777")
    with mock.patch("sightings.reads.ingest.reads_match", side_effect=OSError("broker gone")):
        response = post({"reads": [read]}, key)
    assert response.status_code == 503
    assert "77다7777" not in caplog.text
    # Nothing was accepted, so the client's retry is not a duplicate.
    assert post({"reads": [read]}, key).json() == {"accepted": 1, "duplicates": 0, "rejected": []}


def test_the_queued_task_is_described_to_celery_without_its_plates(key, municipality):
    with mock.patch("sightings.reads.queue.reads_match_task.apply_async") as apply_async:
        post({"reads": [a_read(plate="77다7777"), a_read()]}, key)
    argsrepr = apply_async.call_args.kwargs["argsrepr"]
    assert argsrepr == f"(municipality {municipality.pk}, 2 reads)"


def test_a_batch_goes_to_the_broker_as_one_message_without_a_result_client(key, municipality, monkeypatch):
    from wassweb.celery import app

    # The production path (the tests run tasks eagerly): published, answered 202, no result backend built for it.
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    no_backend = property(lambda self: pytest.fail("a result backend was built for a task that keeps no result"))
    with (
        mock.patch.object(app.amqp, "send_task_message") as send,
        mock.patch.object(type(app), "backend", new=no_backend),
    ):
        response = post({"reads": [a_read(plate="77다7777"), a_read()]}, key)
    assert response.status_code == 202, response.content
    assert send.call_count == 1
    _, name, message = send.call_args.args[:3]
    assert name == "sightings.reads_match"
    assert message.headers["argsrepr"] == f"(municipality {municipality.pk}, 2 reads)"
    assert message.headers["ignore_result"] is True
