"""The sightings (hits) API: list, verify, acknowledge, dispatch, and the photos behind an access check."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sightings import permissions
from sightings.hits import selectors as hit_selectors
from sightings.hits import services as hit_services
from sightings.live import alerts
from sightings.models import AssignmentStatus, Sighting
from sightings.orders.selectors import keyset_cursor, keyset_position
from sightings.units import selectors as unit_selectors
from wassweb.access_note import describe_object, describe_objects
from wassweb.api_schema import cursor_page


class SightingOutput(serializers.Serializer):
    """The same shape the live socket sends (docs/ALERTS.md)."""

    type = serializers.CharField()
    id = serializers.UUIDField()
    seq = serializers.IntegerField(allow_null=True, help_text="Position in the alert stream.")
    read = serializers.UUIDField(help_text="The read_id the integration sent with the plate read.")
    order = serializers.UUIDField()
    wanted = serializers.CharField(help_text="The wanted plate or partial pattern.")
    crime = serializers.CharField()
    crime_label = serializers.CharField()
    priority = serializers.ChoiceField(choices=["urgent", "high", "normal"])
    case_number = serializers.CharField()
    vehicle = serializers.DictField()
    plate = serializers.CharField(help_text="The plate as read.")
    comparison = serializers.ListField(child=serializers.DictField())
    match_kind = serializers.ChoiceField(choices=Sighting.MatchKind.choices)
    score = serializers.FloatField()
    confidence = serializers.FloatField(allow_null=True)
    retrospective = serializers.BooleanField()
    camera = serializers.CharField()
    camera_name = serializers.CharField()
    municipality = serializers.CharField()
    municipality_name = serializers.CharField()
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    seen_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    has_plate_image = serializers.BooleanField()
    has_vehicle_image = serializers.BooleanField()
    verification = serializers.ChoiceField(choices=Sighting.Verification.choices)
    verified_by = serializers.CharField(allow_null=True)
    verified_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = serializers.CharField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    dispatched_unit = serializers.CharField(allow_null=True)
    dispatched_by = serializers.CharField(allow_null=True)
    dispatched_at = serializers.DateTimeField(allow_null=True)
    dispatch_status = serializers.ChoiceField(
        choices=AssignmentStatus.choices, allow_null=True, help_text="The dispatched unit's last report on the hit."
    )
    dispatch_status_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, sighting: Sighting) -> dict[str, Any]:
        return alerts.sighting_payload(sighting)


def _require_watcher(request: Request) -> None:
    if not permissions.sightings_may_list(request.user):
        raise exceptions.PermissionDenied(_("Only officers and centre operators see hits."))


def _get_visible(request: Request, sighting_id: Any) -> Sighting:
    sighting = hit_selectors.sighting_get_visible(user=request.user, sighting_id=sighting_id)
    if sighting is None:
        raise exceptions.NotFound(_("No such hit."))
    describe_object(request, sighting)
    return sighting


def _get_for_action(request: Request, sighting_id: Any) -> Sighting:
    if not permissions.sighting_may_act(request.user):
        raise exceptions.PermissionDenied(_("Only police officers verify, acknowledge and dispatch on hits."))
    return _get_visible(request, sighting_id)


def _updated(request: Request, sighting_id: Any) -> Response:
    return Response(SightingOutput(_get_visible(request, sighting_id)).data)


# Above every id: a page back from a cursor DRF gave out (a time alone) starts past every hit of that time.
UUID_MAX = uuid.UUID(int=2**128 - 1)


class SightingPagination(CursorPagination):
    """Hits newest received first, a page after the position (received_at, id) of the last hit shown.

    The cursor stays DRF's opaque token; its position now names one hit, so a page is one short index read
    however deep it is, and hits arriving meanwhile neither repeat nor skip one. A cursor written before
    (a time and an offset) still reads the same page.
    """

    ordering = ("-received_at", "-id")
    page_size = 100
    max_page_size = 500
    page_size_query_param = "limit"

    def paginate_hits(self, request: Request, read: Callable[..., list[Sighting]]) -> list[Sighting]:
        """The page the request's cursor points at; `read(after=, older=, limit=)` reads the hits beyond a position."""
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.cursor = self.decode_cursor(request)
        offset, backwards, position = self.cursor or Cursor(offset=0, reverse=False, position=None)
        after = self._position_decode(position)
        rows = read(after=after, older=not backwards, limit=offset + self.page_size + 1)[offset:]
        self.page = rows[: self.page_size]
        more = len(rows) > self.page_size
        if backwards:
            self.page.reverse()
        moved = after is not None or offset > 0
        self.has_next, self.has_previous = (moved, more) if backwards else (more, moved)
        self.display_page_controls = self.has_next or self.has_previous
        return self.page

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        position = keyset_cursor(self.page[-1], time_field="received_at") if self.page else self.cursor.position
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=position))

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        position = keyset_cursor(self.page[0], time_field="received_at") if self.page else self.cursor.position
        return self.encode_cursor(Cursor(offset=0, reverse=True, position=position))

    def _position_decode(self, position: str | None) -> hit_selectors.FeedPosition | None:
        if position is None:
            return None
        try:
            if "_" in position:
                return hit_selectors.FeedPosition(*keyset_position(position))
            # DRF's own position, a time alone: the page starts past every hit of that time, as DRF's did.
            when = parse_datetime(position)
            if when is None or timezone.is_naive(when):
                raise ValueError(position)
            return hit_selectors.FeedPosition(when, UUID_MAX if self.cursor.reverse else uuid.UUID(int=0))
        except (ValueError, OverflowError):
            raise exceptions.NotFound(self.invalid_cursor_message) from None


class SightingListApi(APIView):
    class FilterSerializer(serializers.Serializer):
        order = serializers.UUIDField(required=False, help_text="Only hits of this order (its trail).")
        since = serializers.DateTimeField(required=False, help_text="Only hits seen at or after this time.")

    @extend_schema(
        operation_id="v1_sightings_list",
        parameters=[
            OpenApiParameter("order", str, description="Order id: only its hits."),
            OpenApiParameter("since", str, description="ISO-8601 time with offset: hits seen since then."),
            OpenApiParameter("limit", int, description="Page size (at most 500)."),
        ],
        responses={200: cursor_page(SightingOutput, name="SightingPage")},
    )
    def get(self, request: Request) -> Response:
        _require_watcher(request)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = SightingPagination()
        page = paginator.paginate_hits(
            request,
            partial(
                hit_selectors.sightings_page,
                user=request.user,
                order_id=filters.validated_data.get("order"),
                since=filters.validated_data.get("since"),
            ),
        )
        # The access log records how many hits the page showed and, when all are about one vehicle, its plate.
        describe_objects(request, page, object_type="sighting")
        return paginator.get_paginated_response(SightingOutput(page, many=True).data)


class SightingDetailApi(APIView):
    @extend_schema(responses={200: SightingOutput})
    def get(self, request: Request, sighting_id: Any) -> Response:
        _require_watcher(request)
        return Response(SightingOutput(_get_visible(request, sighting_id)).data)


class SightingVerifyApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "SightingVerifyInput"

        verdict = serializers.ChoiceField(
            choices=hit_services.VERDICTS, help_text="confirmed: it is the wanted vehicle; misread: it is not."
        )

    @extend_schema(request=InputSerializer, responses={200: SightingOutput})
    def post(self, request: Request, sighting_id: Any) -> Response:
        sighting = _get_for_action(request, sighting_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hit_services.sighting_verify(
            sighting_id=sighting.id, actor=request.user, verdict=data.validated_data["verdict"]
        )
        return _updated(request, sighting.id)


class SightingAcknowledgeApi(APIView):
    @extend_schema(request=None, responses={200: SightingOutput})
    def post(self, request: Request, sighting_id: Any) -> Response:
        sighting = _get_for_action(request, sighting_id)
        hit_services.sighting_acknowledge(sighting_id=sighting.id, actor=request.user)
        return _updated(request, sighting.id)


class SightingDispatchApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "SightingDispatchInput"

        unit = serializers.CharField(max_length=20, help_text="The call sign of the patrol unit sent, e.g. 은평12.")

    @extend_schema(request=InputSerializer, responses={200: SightingOutput})
    def post(self, request: Request, sighting_id: Any) -> Response:
        sighting = _get_for_action(request, sighting_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit = unit_selectors.unit_get(data.validated_data["unit"].strip())
        if unit is None:
            raise exceptions.ValidationError({"unit": [_("No patrol unit has this call sign.")]})
        refusal = permissions.unit_dispatch_refusal(request.user, unit)
        if refusal is not None:
            raise exceptions.PermissionDenied(refusal)
        hit_services.sighting_dispatch(sighting_id=sighting.id, actor=request.user, unit_id=unit.pk)
        return _updated(request, sighting.id)


class SightingPhotoApi(APIView):
    """A hit's plate or vehicle photo. Personal data: every look is written to the access log."""

    KINDS = {"plate": "plate_image", "vehicle": "vehicle_image"}

    @extend_schema(responses={(200, "image/jpeg"): bytes})
    def get(self, request: Request, sighting_id: Any, kind: str) -> FileResponse:
        from audit.services import access_log_record

        if kind not in self.KINDS:
            raise exceptions.NotFound(_("Photos are 'plate' or 'vehicle'."))

        def log_denied() -> None:
            access_log_record(
                actor=request.user,
                action=f"sighting.{kind}_photo",
                obj=("sighting", str(sighting_id)),
                outcome="denied",
                request=request,
            )

        if not permissions.sightings_may_list(request.user):
            log_denied()
            raise exceptions.PermissionDenied(_("Only officers and centre operators see hit photos."))
        sighting = hit_selectors.sighting_get_visible(user=request.user, sighting_id=sighting_id)
        if sighting is None:
            log_denied()
            raise exceptions.NotFound(_("No such hit."))
        photo = getattr(sighting, self.KINDS[kind])
        if not photo:
            raise exceptions.NotFound(_("This hit has no such photo."))
        access_log_record(actor=request.user, action=f"sighting.{kind}_photo", obj=sighting, request=request)
        response = FileResponse(photo.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, no-store"
        return response
