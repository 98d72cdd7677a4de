"""The wanted orders API (docs/ORDERS.md): officers list, view and issue orders; the issuing agency renews,
cancels and resolves them.

Access: non-officers get 403 on every endpoint. Any officer may view any order (national search); an officer
of another agency who tries to change one gets 403, since the order is visible to them anyway. A closed
order cannot be changed (409).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.purposes import CRIME_CATEGORIES, LEGAL_BASES
from sightings import permissions
from sightings.models import OrderEvent, WantedOrder
from sightings.orders import selectors as order_selectors
from sightings.orders import services as order_services
from wassweb.access_note import describe, describe_object
from wassweb.api_errors import Conflict
from wassweb.api_pages import page_response
from wassweb.api_schema import cursor_page


def _require_officer(request: Request) -> None:
    if not permissions.orders_may_use(request.user):
        raise exceptions.PermissionDenied(_("Only police officers work with wanted orders."))


def _get_order(request: Request, order_id: Any) -> WantedOrder:
    _require_officer(request)
    order = order_selectors.order_get(order_id)
    if order is None or not permissions.order_may_view(request.user, order):
        raise exceptions.NotFound(_("No such wanted order."))
    describe_object(request, order)
    return order


def _get_changeable(request: Request, order_id: Any) -> WantedOrder:
    order = _get_order(request, order_id)
    if not permissions.order_may_change(request.user, order):
        raise exceptions.PermissionDenied(_("Only officers of the issuing agency may change this order."))
    return order


class OrderOutput(serializers.ModelSerializer):
    crime_label = serializers.CharField(source="get_crime_display")
    agency = serializers.CharField(source="agency.code")
    issued_by = serializers.CharField(source="issued_by.username")
    sighting_count = serializers.IntegerField(read_only=True, default=None)
    last_seen_at = serializers.DateTimeField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = WantedOrder
        fields = [
            "id",
            "plate",
            "pattern",
            "vehicle",
            "crime",
            "crime_label",
            "legal_basis",
            "case_number",
            "urgency_confirmed_by",
            "priority",
            "status",
            "agency",
            "issued_by",
            "created_at",
            "expires_at",
            "closed_at",
            "sighting_count",
            "last_seen_at",
        ]


class OrderEventOutput(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)

    class Meta:
        model = OrderEvent
        fields = ["kind", "actor", "reason", "at"]


class OrderDetailOutput(OrderOutput):
    events = OrderEventOutput(many=True, read_only=True)

    class Meta(OrderOutput.Meta):
        fields = [*OrderOutput.Meta.fields, "events"]


class OrderPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50


def _detail(order_id: Any) -> dict[str, Any]:
    order = (
        order_selectors.orders_list()
        .prefetch_related("events__actor")
        .get(pk=order_id)  # with counts and events, for the answer
    )
    return OrderDetailOutput(order).data


class OrderListCreateApi(APIView):
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=WantedOrder.Status.choices, required=False)
        mine = serializers.BooleanField(required=False, default=False, help_text="Only my agency's orders.")
        plate = serializers.CharField(required=False, max_length=20, help_text="Part of the plate or pattern.")

    class InputSerializer(serializers.Serializer):
        plate = serializers.CharField(required=False, allow_blank=True, max_length=80)
        pattern = serializers.CharField(required=False, allow_blank=True, max_length=80)
        crime = serializers.CharField(max_length=40, help_text="One of: " + ", ".join(CRIME_CATEGORIES))
        legal_basis = serializers.CharField(max_length=10, help_text="One of: " + ", ".join(LEGAL_BASES))
        case_number = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
        urgency_confirmed_by = serializers.CharField(required=False, allow_blank=True, max_length=120, default="")
        vehicle = serializers.JSONField(required=False, default=dict)
        priority = serializers.ChoiceField(choices=WantedOrder.Priority.choices, default=WantedOrder.Priority.HIGH)
        expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        separate_case = serializers.BooleanField(
            default=False,
            help_text="An active order already searches for the plate and this order is for a separate case, "
            "under its own case number. Without it such an order is refused with 409.",
        )

        class Meta:
            ref_name = "OrderCreateInput"

    @extend_schema(
        operation_id="v1_orders_list",
        parameters=[FilterSerializer],
        responses=cursor_page(OrderOutput, name="OrderPage"),
    )
    def get(self, request: Request) -> Response:
        _require_officer(request)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        orders = order_selectors.orders_list(
            status=data.get("status"),
            agency_id=request.user.agency_id if data["mine"] else None,
            plate=data.get("plate"),
        )
        return page_response(self, request, orders, pagination=OrderPagination, output=OrderOutput)

    @extend_schema(request=InputSerializer, responses={201: OrderDetailOutput})
    def post(self, request: Request) -> Response:
        _require_officer(request)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            order = order_services.order_create(issued_by=request.user, **serializer.validated_data)
        except order_services.OrderDuplicate as exc:
            # The answer names the order that already covers the plate, with its address.
            existing = request.build_absolute_uri(reverse("order", args=[exc.existing.pk]))
            raise Conflict(f"{exc} {existing}") from exc
        describe_object(request, order)
        describe(request, action="create")
        return Response(_detail(order.pk), status=status.HTTP_201_CREATED)


class OrderDetailApi(APIView):
    @extend_schema(responses=OrderDetailOutput)
    def get(self, request: Request, order_id: Any) -> Response:
        order = _get_order(request, order_id)
        return Response(_detail(order.pk))


class OrderRenewApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=1000, help_text="Why the search must go on.")
        expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

        class Meta:
            ref_name = "OrderRenewInput"

    @extend_schema(request=InputSerializer, responses=OrderDetailOutput)
    def post(self, request: Request, order_id: Any) -> Response:
        order = _get_changeable(request, order_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order_services.order_renew(order=order, actor=request.user, **serializer.validated_data)
        return Response(_detail(order.pk))


class _CloseApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=1000)

        class Meta:
            ref_name = "OrderCloseInput"

    def close(self, order: WantedOrder, actor: Any, reason: str) -> WantedOrder:
        raise NotImplementedError

    @extend_schema(request=InputSerializer, responses=OrderDetailOutput)
    def post(self, request: Request, order_id: Any) -> Response:
        order = _get_changeable(request, order_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.close(order, request.user, serializer.validated_data["reason"])
        return Response(_detail(order.pk))


class OrderCancelApi(_CloseApi):
    """Withdraw the order; it stops matching at once."""

    def close(self, order: WantedOrder, actor: Any, reason: str) -> WantedOrder:
        return order_services.order_cancel(order=order, actor=actor, reason=reason)


class OrderResolveApi(_CloseApi):
    """The vehicle was found or the person is safe; the order stops matching at once."""

    def close(self, order: WantedOrder, actor: Any, reason: str) -> WantedOrder:
        return order_services.order_resolve(order=order, actor=actor, reason=reason)
