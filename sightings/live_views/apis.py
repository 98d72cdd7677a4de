"""The live-view API: officers ask to watch a camera, its centre approves for a time or denies, the viewers fetch
signed stream addresses, and either side ends the session."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import PersonalKeyAuthentication, SessionOrKeyAuthentication
from accounts.models import ApiKey
from accounts.permissions import api_key_scope_allows
from sightings import permissions
from sightings.live_views import selectors as live_selectors
from sightings.live_views import services as live_services
from sightings.models import Camera, LiveView, PatrolUnit, Sighting, WantedOrder
from wassweb.access_note import describe, describe_object
from wassweb.api_pages import page_response
from wassweb.api_schema import ERROR_COMPONENT, cursor_page


class PersonOrUnitKeyAuthentication(PersonalKeyAuthentication):
    """A person's own key, or a patrol unit's terminal key: the named unit's terminal gets the player too."""

    def check_scope(self, request: Request, api_key: ApiKey) -> None:
        if api_key_scope_allows(api_key, ApiKey.Scope.UNIT):
            return
        super().check_scope(request, api_key)


class PersonOrUnitKeySchema(OpenApiAuthenticationExtension):
    """Documents the bearer key of the viewer endpoints: a person's `api` key or the named unit's `unit` key."""

    target_class = PersonOrUnitKeyAuthentication
    name = "personOrUnitKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A person's own API key (scope `api`), or the key of the patrol unit named in the live view "
            "(scope `unit`), whose terminal gets the player too.",
        }


VIEWER_AUTHENTICATION = [SessionOrKeyAuthentication, PersonOrUnitKeyAuthentication]


def _api_key(request: Request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


def _require_role(request: Request) -> None:
    if not permissions.live_view_may_use(request.user):
        raise exceptions.PermissionDenied(_("Only officers and centre operators work with live views."))


def _get_visible(request: Request, view_id: Any) -> LiveView:
    _require_role(request)
    live_view = live_selectors.live_view_get(request.user, view_id)
    if live_view is None:
        raise exceptions.NotFound(_("No such live view."))
    api_key = _api_key(request)
    if api_key is not None and api_key.scope == ApiKey.Scope.UNIT and live_view.unit_id != api_key.unit_id:
        # A terminal sees the sessions it is named in, nothing else of its agency's.
        raise exceptions.NotFound(_("No such live view."))
    describe_object(request, live_view)
    return live_view


class LiveViewOutput(serializers.ModelSerializer):
    order = serializers.UUIDField(source="order_id")
    sighting = serializers.UUIDField(source="sighting_id", allow_null=True)
    camera = serializers.SerializerMethodField()
    municipality = serializers.CharField(source="municipality.code")
    unit = serializers.CharField(source="unit.call_sign", default=None, allow_null=True)
    requested_by = serializers.CharField(source="requested_by.username")
    agency = serializers.CharField(source="agency.code")
    decided_by = serializers.CharField(source="decided_by.username", default=None, allow_null=True)
    ended_by = serializers.CharField(source="ended_by.username", default=None, allow_null=True)

    class Meta:
        model = LiveView
        fields = [
            "id",
            "status",
            "order",
            "sighting",
            "camera",
            "municipality",
            "unit",
            "reason",
            "requested_by",
            "agency",
            "created_at",
            "decided_by",
            "decided_at",
            "deny_reason",
            "approved_until",
            "started_at",
            "ended_at",
            "ended_by",
        ]

    def get_camera(self, live_view: LiveView) -> dict[str, Any]:
        camera = live_view.camera
        return {"id": str(camera.id), "code": camera.code, "name": camera.name}


class LiveViewPagination(CursorPagination):
    ordering = "-created_at"
    page_size = 50


class LiveViewListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        order = serializers.UUIDField(required=False, help_text="Required unless a sighting is given.")
        camera = serializers.UUIDField(required=False, help_text="Camera id; defaults to the sighting's camera.")
        sighting = serializers.UUIDField(required=False, help_text="The hit the request is made from.")
        reason = serializers.CharField(max_length=2000)
        unit = serializers.CharField(
            max_length=20, required=False, allow_blank=True, help_text="Call sign of a patrol unit to get the player."
        )

        class Meta:
            ref_name = "LiveViewCreateInput"

        def validate(self, data: dict[str, Any]) -> dict[str, Any]:
            if not data.get("sighting") and not data.get("camera"):
                raise serializers.ValidationError({"camera": [_("Name a camera or a sighting.")]})
            if not data.get("sighting") and not data.get("order"):
                raise serializers.ValidationError({"order": [_("Name the wanted order the live view is for.")]})
            return data

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=LiveView.Status.choices, required=False)

        class Meta:
            ref_name = "LiveViewFilter"

    @extend_schema(
        operation_id="v1_live_views_list",
        parameters=[FilterSerializer],
        responses=cursor_page(LiveViewOutput, name="LiveViewPage"),
    )
    def get(self, request: Request) -> Response:
        _require_role(request)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = live_selectors.live_views_for(request.user, status=filters.validated_data.get("status"))
        return page_response(
            self, request, queryset.order_by("-created_at"), pagination=LiveViewPagination, output=LiveViewOutput
        )

    @extend_schema(request=InputSerializer, responses={201: LiveViewOutput})
    def post(self, request: Request) -> Response:
        if not permissions.live_view_may_start(request.user):
            raise exceptions.PermissionDenied(_("Only police officers ask for a live view."))
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sighting = camera = None
        if data.get("sighting"):
            sighting = (
                Sighting.objects.select_related("order", "camera__municipality").filter(pk=data["sighting"]).first()
            )
            if sighting is None:
                raise exceptions.ValidationError({"sighting": [_("No such sighting.")]})
            order, camera = sighting.order, sighting.camera
            if data.get("order") and data["order"] != order.pk:
                raise exceptions.ValidationError({"order": [_("The sighting belongs to another wanted order.")]})
        else:
            order = WantedOrder.objects.filter(pk=data["order"]).first()
        if data.get("camera"):
            camera = Camera.objects.select_related("municipality").filter(pk=data["camera"]).first()
            if camera is None:
                raise exceptions.ValidationError({"camera": [_("No such camera.")]})
        if order is None or not permissions.live_view_may_request(request.user, order):
            # Another agency's order is not the officer's case: the same answer as a missing one.
            raise exceptions.ValidationError({"order": [_("No such wanted order of your agency.")]})
        unit = None
        if data.get("unit"):
            unit = PatrolUnit.objects.filter(call_sign=data["unit"].strip(), agency_id=request.user.agency_id).first()
            if unit is None:
                raise exceptions.ValidationError({"unit": [_("No patrol unit of your agency has this call sign.")]})
        live_view = live_services.live_view_request(
            requested_by=request.user, order=order, camera=camera, reason=data["reason"], sighting=sighting, unit=unit
        )
        live_view = live_selectors.live_view_get(request.user, live_view.pk)
        describe_object(request, live_view)
        return Response(LiveViewOutput(live_view).data, status=status.HTTP_201_CREATED)


class LiveViewDetailApi(APIView):
    authentication_classes = VIEWER_AUTHENTICATION

    @extend_schema(responses=LiveViewOutput)
    def get(self, request: Request, view_id: Any) -> Response:
        return Response(LiveViewOutput(_get_visible(request, view_id)).data)


class LiveViewApproveApi(APIView):
    class InputSerializer(serializers.Serializer):
        minutes = serializers.IntegerField(
            required=False, min_value=1, max_value=24 * 60, help_text="How long; at most what the order allows."
        )

        class Meta:
            ref_name = "LiveViewApproveInput"

    @extend_schema(request=InputSerializer, responses=LiveViewOutput)
    def post(self, request: Request, view_id: Any) -> Response:
        live_view = _get_visible(request, view_id)
        refusal = permissions.live_view_decide_refusal(request.user, live_view)
        if refusal:
            raise exceptions.PermissionDenied(refusal)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        live_view = live_services.live_view_approve(
            live_view=live_view, approved_by=request.user, minutes=serializer.validated_data.get("minutes")
        )
        return Response(LiveViewOutput(live_selectors.live_view_get(request.user, live_view.pk)).data)


class LiveViewDenyApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000)

        class Meta:
            ref_name = "LiveViewDenyInput"

    @extend_schema(request=InputSerializer, responses=LiveViewOutput)
    def post(self, request: Request, view_id: Any) -> Response:
        live_view = _get_visible(request, view_id)
        refusal = permissions.live_view_decide_refusal(request.user, live_view)
        if refusal:
            raise exceptions.PermissionDenied(refusal)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        live_view = live_services.live_view_deny(
            live_view=live_view, denied_by=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(LiveViewOutput(live_selectors.live_view_get(request.user, live_view.pk)).data)


class LiveViewEndApi(APIView):
    @extend_schema(request=None, responses=LiveViewOutput)
    def post(self, request: Request, view_id: Any) -> Response:
        live_view = _get_visible(request, view_id)
        live_view = live_services.live_view_end(live_view=live_view, ended_by=request.user, api_key=_api_key(request))
        return Response(LiveViewOutput(live_selectors.live_view_get(request.user, live_view.pk)).data)


class StreamOutput(serializers.Serializer):
    url = serializers.URLField(help_text="The playlist at the centre's video server, signed; expires at expires_at.")
    expires_at = serializers.DateTimeField()
    approved_until = serializers.DateTimeField()
    refresh_after_seconds = serializers.IntegerField(help_text="Fetch a fresh address after this many seconds.")

    class Meta:
        ref_name = "LiveViewStream"


class LiveViewStreamApi(APIView):
    authentication_classes = VIEWER_AUTHENTICATION

    @extend_schema(
        responses={
            200: StreamOutput,
            409: OpenApiResponse(
                response={"$ref": f"#/components/schemas/{ERROR_COMPONENT}"},
                description="Not approved (yet, or denied), or the centre has no video server configured.",
            ),
            410: OpenApiResponse(
                response={"$ref": f"#/components/schemas/{ERROR_COMPONENT}"},
                description="The approval has run out or the session has ended.",
            ),
        }
    )
    def get(self, request: Request, view_id: Any) -> Response:
        live_view = _get_visible(request, view_id)
        address = live_services.live_view_stream(live_view=live_view, viewer=request.user, api_key=_api_key(request))
        describe(request, action="live_view.stream")
        response = Response(StreamOutput(address).data)
        response["Cache-Control"] = "no-store"
        return response
