"""The sightings (hits) API: list, verify, acknowledge, dispatch, and the photos behind an access check."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sightings import permissions
from sightings.hits import selectors as hit_selectors
from sightings.hits import services as hit_services
from sightings.live import alerts
from sightings.models import AssignmentStatus, Sighting
from sightings.units import selectors as unit_selectors
from wassweb.access_note import describe_object
from wassweb.api_pages import page_response
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


class SightingPagination(CursorPagination):
    ordering = ("-received_at", "-id")
    page_size = 100
    max_page_size = 500
    page_size_query_param = "limit"


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
        queryset = hit_selectors.sightings_list(
            user=request.user,
            order_id=filters.validated_data.get("order"),
            since=filters.validated_data.get("since"),
        )
        return page_response(self, request, queryset, pagination=SightingPagination, output=SightingOutput)


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
