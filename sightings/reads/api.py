"""POST /api/v1/reads/: a municipality's platform hands in a batch of plate reads (docs/INGEST.md).

The endpoint only checks and queues: orjson and plain dict checks (sightings.reads.parse) instead of DRF
serializers, the key and its municipality's cameras from a per-process cache (no SQL), one Redis round trip for
the read ids, one Celery task per batch.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import BearerKeyAuthentication
from accounts.models import ApiKey
from accounts.throttles import ApiKeyRateThrottle
from sightings.permissions import ReadsKeyPermission, reads_cameras
from sightings.reads.ids import read_ids_claim, read_ids_release
from sightings.reads.parse import BatchError, Read, batch_parse, read_check, reads_encode
from sightings.reads.queue import reads_batch_queue
from wassweb.db_release import connection_release
from wassweb.ttl_cache import Snapshot

logger = logging.getLogger(__name__)


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The body is larger than this endpoint accepts.")
    default_code = "body_too_large"


class QueueUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The reads could not be queued; nothing was accepted. Send the batch again.")
    default_code = "queue_unavailable"


_ERRORS = serializers.DictField(
    child=serializers.ListField(child=serializers.CharField()), help_text="Messages by field name."
)
_EXAMPLE_BODY = {
    "reads": [
        {
            "read_id": "5f0c5c8e-8a4b-4c11-9d59-0d6f3b2a9e01",
            "camera": "11380-C001",
            "plate": "12가3456",
            "seen_at": "2026-03-01T08:15:30+09:00",
            "confidence": 0.93,
            "plate_image": "/9j/4AAQSkZJRgABAQ…",
        }
    ]
}


class ReadsSubmitApi(APIView):
    authentication_classes = [BearerKeyAuthentication]
    permission_classes = [ReadsKeyPermission]
    # READS_RATE_LIMIT per integration key; over it, 429 with Retry-After.
    throttle_classes = [ApiKeyRateThrottle]
    # Declared for the schema only: request.data is never touched, sightings.reads.parse parses the raw body.
    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        """Documents the body only; the endpoint validates with plain checks for speed."""

        class Meta:
            ref_name = "PlateReadBatch"

        reads = inline_serializer(
            name="PlateRead",
            many=True,
            fields={
                "read_id": serializers.UUIDField(help_text="Chosen by the integration; a repeat is accepted once."),
                "camera": serializers.CharField(help_text="The camera's code in your municipality."),
                "plate": serializers.CharField(help_text="As read, e.g. 12가3456, 123가4567 or 서울12가3456."),
                "seen_at": serializers.DateTimeField(help_text="ISO 8601 with a UTC offset."),
                "confidence": serializers.FloatField(min_value=0, max_value=1, required=False, allow_null=True),
                "plate_image": serializers.CharField(required=False, help_text="Base64 JPEG, at most 2 MB."),
                "vehicle_image": serializers.CharField(required=False, help_text="Base64 JPEG, at most 2 MB."),
            },
        )

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PlateReadBatchResult"

        accepted = serializers.IntegerField(help_text="Reads queued for matching.")
        duplicates = serializers.IntegerField(help_text="Reads whose read_id was already received; not queued again.")
        rejected = inline_serializer(
            name="RejectedRead",
            many=True,
            fields={"index": serializers.IntegerField(), "errors": _ERRORS},
        )

    @extend_schema(
        operation_id="reads_submit",
        summary="Submit a batch of plate reads",
        description=(
            "Up to 1,000 reads per batch from your municipality's cameras. Valid reads are queued for matching "
            "against the wanted-vehicle hotlist; invalid ones are listed with their errors by field. Reads "
            "that match nothing are not stored."
        ),
        request=InputSerializer,
        responses={
            202: OutputSerializer,
            400: OpenApiResponse(description="The body is not JSON or has no valid `reads` list."),
            401: OpenApiResponse(description="No key, or the key is unknown, expired or revoked."),
            403: OpenApiResponse(description="The key is not a municipality's integration key."),
            413: OpenApiResponse(description="The body is larger than READS_MAX_BODY_BYTES."),
            503: OpenApiResponse(description="The queue is unavailable; nothing was accepted."),
        },
        examples=[OpenApiExample("One read", value=_EXAMPLE_BODY, request_only=True)],
        tags=["reads"],
    )
    def post(self, request: Request) -> Response:
        received_at = timezone.now()
        items = batch_parse_or_400(_body(request))
        answer = reads_batch_accept(request.auth, items, received_at=received_at)
        return Response(answer, status=status.HTTP_202_ACCEPTED)


def reads_batch_accept(api_key: ApiKey, items: list, *, received_at: dt.datetime) -> dict:
    """Checks each read of a parsed batch, claims the new read ids and queues them: the 202's body.

    What the endpoint does once the key is admitted and the body parsed, whichever way the request came
    (this view, or sightings.reads.lane for a plain batch). Raises QueueUnavailable, having released the
    claimed ids, when the broker did not take the batch.
    """
    cameras = key_cameras(api_key)
    connection_release()  # the rest is Redis and the broker

    reads: list[Read] = []
    rejected: list[dict] = []
    seen_in_batch: set[str] = set()
    duplicates = 0
    max_age = dt.timedelta(hours=settings.READS_MAX_AGE_HOURS)
    max_future = dt.timedelta(seconds=settings.READS_MAX_FUTURE_SECONDS)
    for index, item in enumerate(items):
        checked = read_check(item, cameras=cameras, now=received_at, max_age=max_age, max_future=max_future)
        if type(checked) is dict:
            rejected.append({"index": index, "errors": checked})
        elif checked.read_id in seen_in_batch:
            duplicates += 1
        else:
            seen_in_batch.add(checked.read_id)
            reads.append(checked)

    fresh = read_ids_claim(municipality_id=api_key.municipality_id, read_ids=[read.read_id for read in reads])
    new_reads = [read for read, is_new in zip(reads, fresh, strict=True) if is_new]
    duplicates += len(reads) - len(new_reads)
    if new_reads:
        try:
            reads_batch_queue(
                municipality_id=api_key.municipality_id,
                received_at=received_at,
                reads=reads_encode(new_reads),
                count=len(new_reads),
            )
        except Exception:
            read_ids_release(municipality_id=api_key.municipality_id, read_ids=[read.read_id for read in new_reads])
            logger.exception("could not queue a batch of %d reads", len(new_reads))
            raise QueueUnavailable() from None
    return {"accepted": len(new_reads), "duplicates": duplicates, "rejected": rejected}


def _reading_cameras_load() -> dict[int, dict[str, str]]:
    """Camera id by code, per municipality, for every camera that reads plates now: one query for the country."""
    cameras: dict[int, dict[str, str]] = {}
    for municipality_id, code, camera_id in reads_cameras(None).values_list("municipality_id", "code", "id"):
        cameras.setdefault(municipality_id, {})[code] = str(camera_id)
    return cameras


# Reloaded every KEY_CACHE_SECONDS: a batch needs no SQL, and a camera added or switched off counts within seconds.
_reading_cameras: Snapshot[dict[int, dict[str, str]]] = Snapshot(_reading_cameras_load)


def key_cameras(api_key: ApiKey) -> dict[str, str]:
    """Camera id by code for the cameras the key's municipality runs that read plates now."""
    everyone = _reading_cameras.get(seconds=settings.KEY_CACHE_SECONDS)
    if everyone is None:
        return {code: str(camera_id) for code, camera_id in reads_cameras(api_key).values_list("code", "id")}
    return everyone.get(api_key.municipality_id, {})


def key_cameras_cache_clear() -> None:
    """Forgets the cameras held in this process (tests)."""
    _reading_cameras.clear()


def _body(request: Request) -> bytes:
    """The raw body, refusing with 413 anything over READS_MAX_BODY_BYTES before parsing it."""
    limit = settings.READS_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise BodyTooLarge()
    try:
        body = request.body
    except RequestDataTooBig:
        raise BodyTooLarge() from None
    if len(body) > limit:
        raise BodyTooLarge()
    return body


def batch_parse_or_400(body: bytes) -> list:
    try:
        return batch_parse(body, max_reads=settings.READS_MAX_BATCH)
    except BatchError as error:
        raise exceptions.ValidationError({error.field: [error.message]}) from None
