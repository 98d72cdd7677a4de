"""The auditor's API: the disclosure ledger and the integrity check (auditors only, every use logged)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import selectors
from audit.filters import DisclosureFilter
from audit.models import DisclosureEntry
from audit.permissions import IsAuditor
from audit.services import access_log_record
from wassweb.api_pages import page_response


class DisclosurePagination(CursorPagination):
    ordering = "-sequence"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class DisclosureListApi(APIView):
    permission_classes = [IsAuditor]
    audit_object_type = "ledger"

    @extend_schema_serializer(component_name="DisclosureEntry")
    class OutputSerializer(serializers.ModelSerializer):
        municipality = serializers.CharField(source="municipality.code")
        requester = serializers.CharField(source="requester.username", default=None, allow_null=True)
        approver = serializers.CharField(source="approver.username", default=None, allow_null=True)
        recipient_agency = serializers.UUIDField(source="recipient_agency_id", allow_null=True)
        order = serializers.UUIDField(source="order_id", allow_null=True)
        sighting = serializers.UUIDField(source="sighting_id", allow_null=True)
        camera = serializers.UUIDField(source="camera_id", allow_null=True)
        footage_request = serializers.UUIDField(source="footage_request_id", allow_null=True)
        file_hashes = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))

        class Meta:
            model = DisclosureEntry
            fields = [
                "id",
                "sequence",
                "kind",
                "file_name",
                "recipient",
                "recipient_agency",
                "purpose",
                "legal_basis",
                "data_items",
                "provided_at",
                "window_start",
                "window_end",
                "form",
                "safeguards",
                "municipality",
                "provider",
                "requester",
                "approver",
                "case_number",
                "order",
                "sighting",
                "camera",
                "footage_request",
                "file_hashes",
                "created_at",
                "prev_hash",
                "entry_hash",
            ]

    @extend_schema(
        parameters=[
            OpenApiParameter("since", str, description="first day (YYYY-MM-DD, site time zone)"),
            OpenApiParameter("until", str, description="last day, inclusive (YYYY-MM-DD)"),
            OpenApiParameter("municipality", str, description="5-digit municipality code of the providing body"),
            OpenApiParameter("legal_basis", str, description="e.g. 18-2-7"),
            OpenApiParameter("kind", str, enum=["location", "footage"]),
            OpenApiParameter("case_number", str),
            OpenApiParameter("cursor", str),
            OpenApiParameter("page_size", int),
        ],
        responses=inline_serializer(
            "PaginatedDisclosureList",
            {
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": OutputSerializer(many=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        filtered = DisclosureFilter(request.query_params, queryset=selectors.disclosures())
        if not filtered.is_valid():
            raise ValidationError(filtered.errors)
        response = page_response(
            self, request, filtered.qs, pagination=DisclosurePagination, output=self.OutputSerializer
        )
        access_log_record(actor=request.user, action="list", obj=("ledger", ""), request=request)
        return response


_chain_result = inline_serializer(
    "ChainVerdict",
    {
        "ok": serializers.BooleanField(),
        "entries": serializers.IntegerField(),
        "first_broken": inline_serializer(
            "BrokenEntry",
            {
                "sequence": serializers.IntegerField(),
                "reason": serializers.CharField(),
                "detail": serializers.CharField(),
            },
            allow_null=True,
        ),
        "corrected": serializers.ListField(
            child=serializers.IntegerField(),
            help_text="Entries whose content mismatch a recorded correction covers; the chain counts as intact.",
        ),
    },
)


class VerifyApi(APIView):
    permission_classes = [IsAuditor]
    audit_object_type = "ledger"

    @extend_schema(
        responses=inline_serializer("LedgerVerification", {name: _chain_result for name in selectors.CHAINS})
    )
    def get(self, request: Request) -> Response:
        verdicts = selectors.integrity_check()
        access_log_record(actor=request.user, action="verify", obj=("ledger", ""), request=request)
        return Response({name: selectors.verdict_as_dict(verdict) for name, verdict in verdicts.items()})
