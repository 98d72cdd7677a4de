"""The footage request API: officers ask, the camera's municipality approves with the footage or denies."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.purposes import LEGAL_BASES
from sightings import permissions
from sightings.footage import selectors as footage_selectors
from sightings.footage import services as footage_services
from sightings.models import Camera, FootageFile, FootageRequest, Sighting, WantedOrder
from wassweb.access_note import describe, describe_object
from wassweb.api_pages import page_response
from wassweb.api_schema import cursor_page


def _require_footage_role(request: Request) -> None:
    if not permissions.footage_may_use(request.user):
        raise exceptions.PermissionDenied(_("Only officers and centre operators work with footage requests."))


def _get_visible(request: Request, request_id: Any) -> FootageRequest:
    _require_footage_role(request)
    footage_request = footage_selectors.footage_request_get(request.user, request_id)
    if footage_request is None:
        raise exceptions.NotFound(_("No such footage request."))
    describe_object(request, footage_request)
    return footage_request


def file_download_url(footage_file: FootageFile) -> str:
    return reverse("footage-file-download", args=[footage_file.request_id, footage_file.id])


class FileOutput(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = FootageFile
        fields = ["id", "name", "kind", "source", "content_type", "size", "sha256", "created_at", "purged_at"]
        fields += ["download_url"]
        ref_name = "FootageFile"

    def get_download_url(self, footage_file: FootageFile) -> str | None:
        if not self.context.get("may_download") or footage_file.purged_at:
            return None
        return self.context["request"].build_absolute_uri(file_download_url(footage_file))


class FootageRequestOutput(serializers.ModelSerializer):
    order = serializers.UUIDField(source="order_id")
    sighting = serializers.UUIDField(source="sighting_id", allow_null=True)
    camera = serializers.SerializerMethodField()
    municipality = serializers.CharField(source="municipality.code")
    requested_by = serializers.CharField(source="requested_by.username")
    agency = serializers.CharField(source="agency.code")
    decided_by = serializers.CharField(source="decided_by.username", default=None, allow_null=True)
    escalated = serializers.SerializerMethodField()

    class Meta:
        model = FootageRequest
        fields = [
            "id",
            "status",
            "order",
            "sighting",
            "camera",
            "municipality",
            "window_start",
            "window_end",
            "purpose",
            "legal_basis",
            "case_number",
            "urgent",
            "escalated",
            "escalated_at",
            "requested_by",
            "agency",
            "created_at",
            "decided_by",
            "decided_at",
            "deny_reason",
            "access_until",
            "access_revoked_at",
            "purged_at",
        ]

    def get_camera(self, footage_request: FootageRequest) -> dict[str, Any]:
        camera = footage_request.camera
        return {"id": str(camera.id), "code": camera.code, "name": camera.name}

    def get_escalated(self, footage_request: FootageRequest) -> bool:
        return footage_request.escalated_at is not None


class FootageRequestDetailOutput(FootageRequestOutput):
    files = serializers.SerializerMethodField()

    class Meta(FootageRequestOutput.Meta):
        fields = [*FootageRequestOutput.Meta.fields, "files"]

    def get_files(self, footage_request: FootageRequest) -> list[dict[str, Any]]:
        return FileOutput(footage_request.files.all(), many=True, context=self.context).data


class FootagePagination(CursorPagination):
    ordering = "-created_at"
    page_size = 50


class FootageRequestListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        order = serializers.UUIDField(required=False, help_text="Required unless a sighting is given.")
        sighting = serializers.UUIDField(required=False)
        camera = serializers.UUIDField(required=False, help_text="Camera id, when no sighting is given.")
        window_start = serializers.DateTimeField(required=False)
        window_end = serializers.DateTimeField(required=False)
        purpose = serializers.CharField(max_length=2000)
        legal_basis = serializers.ChoiceField(choices=list(LEGAL_BASES), required=False)
        case_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
        urgent = serializers.BooleanField(default=False, help_text="A life is in danger.")

        class Meta:
            ref_name = "FootageRequestCreateInput"

        def validate(self, data: dict[str, Any]) -> dict[str, Any]:
            if not data.get("sighting") and not data.get("camera"):
                raise serializers.ValidationError({"sighting": [_("Name a sighting or a camera.")]})
            if not data.get("sighting") and not data.get("order"):
                raise serializers.ValidationError({"order": [_("Name the wanted order the footage is for.")]})
            return data

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=FootageRequest.Status.choices, required=False)
        sighting = serializers.UUIDField(required=False, help_text="Only the requests about this sighting.")

        class Meta:
            ref_name = "FootageRequestFilter"

    @extend_schema(
        operation_id="v1_footage_requests_list",
        parameters=[FilterSerializer],
        responses=cursor_page(FootageRequestOutput, name="FootageRequestPage"),
    )
    def get(self, request: Request) -> Response:
        _require_footage_role(request)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = footage_selectors.footage_requests_for(
            request.user,
            status=filters.validated_data.get("status"),
            sighting_id=filters.validated_data.get("sighting"),
        )
        queryset = queryset.order_by("-created_at")
        return page_response(self, request, queryset, pagination=FootagePagination, output=FootageRequestOutput)

    @extend_schema(request=InputSerializer, responses={201: FootageRequestDetailOutput})
    def post(self, request: Request) -> Response:
        if not permissions.footage_may_start(request.user):
            raise exceptions.PermissionDenied(_("Only police officers request footage."))
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        sighting = order = camera = None
        if data.get("sighting"):
            sighting = Sighting.objects.select_related("order", "camera__municipality").filter(pk=data["sighting"])
            sighting = sighting.first()
            if sighting is None:
                raise exceptions.ValidationError({"sighting": [_("No such sighting.")]})
            order = sighting.order
            if data.get("order") and data["order"] != order.pk:
                raise exceptions.ValidationError({"order": [_("The sighting belongs to another wanted order.")]})
        else:
            order = WantedOrder.objects.filter(pk=data["order"]).first()
            camera = Camera.objects.select_related("municipality").filter(pk=data["camera"]).first()
            if camera is None:
                raise exceptions.ValidationError({"camera": [_("No such camera.")]})
        if order is None or not permissions.footage_may_request(request.user, order):
            # Another agency's order is not the officer's case: the same answer as a missing one.
            raise exceptions.ValidationError({"order": [_("No such wanted order of your agency.")]})
        footage_request = footage_services.footage_request_create(
            requested_by=request.user,
            order=order,
            sighting=sighting,
            camera=camera,
            window_start=data.get("window_start"),
            window_end=data.get("window_end"),
            purpose=data["purpose"],
            legal_basis=data.get("legal_basis", ""),
            case_number=data.get("case_number", ""),
            urgent=data["urgent"],
        )
        footage_request = footage_selectors.footage_request_get(request.user, footage_request.pk)
        describe_object(request, footage_request)
        describe(request, action="create")
        output = FootageRequestDetailOutput(footage_request, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


class FootageRequestDetailApi(APIView):
    @extend_schema(responses=FootageRequestDetailOutput)
    def get(self, request: Request, request_id: Any) -> Response:
        footage_request = _get_visible(request, request_id)
        may_download = permissions.footage_may_download(request.user, footage_request)
        context = {"request": request, "may_download": may_download}
        return Response(FootageRequestDetailOutput(footage_request, context=context).data)


class FootageRequestApproveApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer):
        files = serializers.ListField(child=serializers.FileField(), required=False, default=list)
        attach_sighting_photos = serializers.BooleanField(default=False)

        class Meta:
            ref_name = "FootageRequestApproveInput"

    @extend_schema(request={"multipart/form-data": InputSerializer}, responses=FootageRequestDetailOutput)
    def post(self, request: Request, request_id: Any) -> Response:
        footage_request = _get_visible(request, request_id)
        serializer = self.InputSerializer(
            data={
                "files": request.FILES.getlist("files") if hasattr(request, "FILES") else [],
                "attach_sighting_photos": request.data.get("attach_sighting_photos", False),
            }
        )
        serializer.is_valid(raise_exception=True)
        footage_request = footage_services.footage_request_approve(
            footage_request=footage_request,
            approved_by=request.user,
            uploads=serializer.validated_data["files"],
            attach_sighting_photos=serializer.validated_data["attach_sighting_photos"],
        )
        footage_request = footage_selectors.footage_request_get(request.user, footage_request.pk)
        return Response(FootageRequestDetailOutput(footage_request, context={"request": request}).data)


class FootageRequestDenyApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000)

        class Meta:
            ref_name = "FootageRequestDenyInput"

    @extend_schema(request=InputSerializer, responses=FootageRequestDetailOutput)
    def post(self, request: Request, request_id: Any) -> Response:
        footage_request = _get_visible(request, request_id)
        refusal = permissions.footage_decide_refusal(request.user, footage_request)
        if refusal:
            raise exceptions.PermissionDenied(refusal)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        footage_request = footage_services.footage_request_deny(
            footage_request=footage_request, denied_by=request.user, reason=serializer.validated_data["reason"]
        )
        footage_request = footage_selectors.footage_request_get(request.user, footage_request.pk)
        return Response(FootageRequestDetailOutput(footage_request, context={"request": request}).data)


def _check_download(request: HttpRequest | Request, request_id: Any, *, action: str, file_id: Any = None):
    """The request when the person may take its footage now; logs every attempt, allowed or not."""
    user = request.user
    footage_request = (
        footage_selectors.footage_request_get(user, request_id) if permissions.footage_may_use(user) else None
    )
    if footage_request is None:
        footage_services.footage_access_log(
            user=user, request_id=request_id, file_id=file_id, action=action, allowed=False, http_request=request
        )
        raise exceptions.NotFound(_("No such footage request."))
    allowed = permissions.footage_may_download(user, footage_request)
    footage_services.footage_access_log(
        user=user, request_id=footage_request.pk, file_id=file_id, action=action, allowed=allowed, http_request=request
    )
    if not allowed:
        raise exceptions.PermissionDenied(_("Your access to this footage has ended or was never granted."))
    return footage_request


class FootageListApi(APIView):
    @extend_schema(
        operation_id="v1_footage_requests_footage_list",
        responses=inline_serializer(name="FootageFileList", fields={"files": FileOutput(many=True)}),
    )
    def get(self, request: Request, request_id: Any) -> Response:
        footage_request = _check_download(request, request_id, action="footage.list")
        context = {"request": request, "may_download": True}
        return Response({"files": FileOutput(footage_request.files.all(), many=True, context=context).data})


class FootageFileDownloadApi(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request: Request, request_id: Any, file_id: Any) -> FileResponse:
        footage_request = _check_download(request, request_id, action="footage.download", file_id=file_id)
        footage_file = footage_selectors.footage_file_get(footage_request, file_id)
        if footage_file is None or footage_file.purged_at or not footage_file.file:
            raise exceptions.NotFound(_("No such file, or it has been purged."))
        response = FileResponse(
            footage_file.file.open("rb"),
            as_attachment=True,
            filename=footage_file.name,
            content_type=footage_file.content_type,
        )
        response["Cache-Control"] = "no-store"
        return response
