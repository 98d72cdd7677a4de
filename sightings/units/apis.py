"""The patrol units API: the 112 room lists units (nearest to a hit first); a unit's terminal reports its position
and status and fetches its assignment's photos with its unit key (docs/UNITS.md)."""

from __future__ import annotations

import math
from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import UnitKeyAuthentication
from sightings import permissions
from sightings.hits import selectors as hit_selectors
from sightings.models import PatrolUnit, Sighting
from sightings.units import selectors as unit_selectors
from sightings.units import services as unit_services
from wassweb.access_note import describe, describe_object, mark_recorded


class PositionOutput(serializers.Serializer):
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    heading_deg = serializers.FloatField(allow_null=True)
    accuracy_m = serializers.FloatField(allow_null=True)
    at = serializers.DateTimeField()


class UnitOutput(serializers.Serializer):
    call_sign = serializers.CharField()
    agency = serializers.CharField(help_text="The agency's code.")
    agency_name = serializers.CharField()
    status = serializers.ChoiceField(choices=PatrolUnit.Status.choices)
    status_at = serializers.DateTimeField()
    position = PositionOutput(allow_null=True, help_text="The last position, while it is less than an hour old.")
    assignment = serializers.UUIDField(allow_null=True, help_text="The hit the unit is sent to.")
    distance_m = serializers.IntegerField(
        required=False, help_text="With near_sighting: straight-line metres from the hit's camera."
    )
    ahead = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="With near_sighting: the unit lies ahead of the vehicle's direction of travel (null: unknown).",
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return instance  # built by unit_selectors.unit_summary, with distance_m and ahead for a near list


def _unit_of_key(request: Request, call_sign: str) -> PatrolUnit:
    """The unit named in the URL, when the request's unit key is that unit's; 403 otherwise (never which)."""
    unit = unit_selectors.unit_get(call_sign)
    if not permissions.unit_key_may_act(request.auth, unit):
        raise exceptions.PermissionDenied(_("This key belongs to another patrol unit."))
    describe(request, object_type="patrolunit", object_id=unit.pk)
    return unit


class UnitListApi(APIView):
    class FilterSerializer(serializers.Serializer):
        near_sighting = serializers.UUIDField(
            required=False, help_text="A hit: only available units near it, ahead of the vehicle first, then nearest."
        )
        limit = serializers.IntegerField(required=False, min_value=1, max_value=unit_selectors.NEAR_LIMIT_MAX)

    @extend_schema(
        operation_id="v1_units_list",
        parameters=[
            OpenApiParameter("near_sighting", str, description="Hit id: available units near it, best placed first."),
            OpenApiParameter("limit", int, description="With near_sighting: how many (default 10, at most 50)."),
        ],
        responses={200: inline_serializer("UnitList", {"results": UnitOutput(many=True)})},
    )
    def get(self, request: Request) -> Response:
        if not permissions.units_may_use(request.user):
            raise exceptions.PermissionDenied(_("Only police officers list and dispatch patrol units."))
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        sighting_id = filters.validated_data.get("near_sighting")
        if sighting_id is None:
            units = list(unit_selectors.units_list(user=request.user))
            describe(request, action="list", object_type="patrolunit", shown=len(units))
            return Response({"results": [unit_selectors.unit_summary(unit) for unit in units]})
        sighting = hit_selectors.sighting_get_visible(user=request.user, sighting_id=sighting_id)
        if sighting is None:
            raise exceptions.NotFound(_("No such hit."))
        near = unit_selectors.units_near(
            user=request.user, sighting=sighting, limit=filters.validated_data.get("limit", unit_selectors.NEAR_LIMIT)
        )
        describe(
            request,
            action="list",
            object_type="patrolunit",
            shown=len(near.units),
            filters={"near_sighting": sighting.id},
        )
        results = [
            {**unit_selectors.unit_summary(unit), "distance_m": round(rank.distance_m), "ahead": rank.ahead}
            for unit, rank in near.units
        ]
        return Response({"results": results})


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise serializers.ValidationError(_("A finite number is required."))
    return value


class UnitPositionApi(APIView):
    """A terminal reports where its unit is. Accepted reports are counted in the key-use tally, not logged each."""

    authentication_classes = [UnitKeyAuthentication]
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "UnitPositionInput"

        lat = serializers.FloatField(min_value=-90, max_value=90, validators=[_finite])
        lon = serializers.FloatField(min_value=-180, max_value=180, validators=[_finite])
        heading_deg = serializers.FloatField(
            required=False, allow_null=True, min_value=0, max_value=360, validators=[_finite]
        )
        accuracy_m = serializers.FloatField(
            required=False, allow_null=True, min_value=0, max_value=100_000, validators=[_finite]
        )

    @extend_schema(request=InputSerializer, responses={204: None})
    def post(self, request: Request, call_sign: str) -> Response:
        unit = _unit_of_key(request, call_sign)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wait = unit_services.unit_position_report(unit_id=unit.pk, **data.validated_data)
        if wait is not None:
            raise exceptions.Throttled(
                wait=max(1, math.ceil(wait)),
                detail=str(_("A unit reports its position at most once every few seconds.")),
            )
        # A position every few seconds from every car would be most of the access log; the key-use tally
        # (audit.tallies) already counts this key's requests per interval, with their addresses.
        mark_recorded(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UnitStatusApi(APIView):
    authentication_classes = [UnitKeyAuthentication]
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "UnitStatusInput"

        status = serializers.ChoiceField(
            choices=unit_services.STATUS_REPORTS,
            help_text="About the assignment: en_route, on_scene, lost_contact, arrested (the last two close it). "
            "Between assignments: available, off_duty.",
        )

    @extend_schema(request=InputSerializer, responses={200: UnitOutput})
    def post(self, request: Request, call_sign: str) -> Response:
        unit = _unit_of_key(request, call_sign)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit_services.unit_status_change(unit_id=unit.pk, status=data.validated_data["status"])
        return Response(unit_selectors.unit_summary(unit_selectors.unit_get(call_sign)))


class UnitAssignmentPhotoApi(APIView):
    """The plate or vehicle photo of the unit's current assignment, for its terminal. Every look is logged."""

    authentication_classes = [UnitKeyAuthentication]
    permission_classes = [IsAuthenticated]
    KINDS = {"plate": "plate_image", "vehicle": "vehicle_image"}

    @extend_schema(responses={(200, "image/jpeg"): bytes})
    def get(self, request: Request, call_sign: str, kind: str) -> FileResponse:
        unit = _unit_of_key(request, call_sign)
        if kind not in self.KINDS:
            raise exceptions.NotFound(_("Photos are 'plate' or 'vehicle'."))
        sighting = Sighting.objects.filter(pk=unit.assignment_id).first() if unit.assignment_id else None
        if sighting is None:
            raise exceptions.NotFound(_("The unit has no assignment."))
        describe_object(request, sighting)
        describe(request, action=f"unit.{kind}_photo")
        photo = getattr(sighting, self.KINDS[kind])
        if not photo:
            raise exceptions.NotFound(_("This hit has no such photo."))
        response = FileResponse(photo.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, no-store"
        return response
