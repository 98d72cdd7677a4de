"""The sightings app's part of /api/v1/."""

from django.urls import path

from sightings.footage import apis as footage_apis
from sightings.hits import apis as hit_apis
from sightings.live_views import apis as live_view_apis
from sightings.orders import apis as order_apis
from sightings.reads.api import ReadsSubmitApi
from sightings.units import apis as unit_apis

urlpatterns: list = [
    path("sightings/", hit_apis.SightingListApi.as_view(), name="sightings"),
    path("sightings/<uuid:sighting_id>/", hit_apis.SightingDetailApi.as_view(), name="sighting"),
    path("sightings/<uuid:sighting_id>/verify/", hit_apis.SightingVerifyApi.as_view(), name="sighting-verify"),
    path(
        "sightings/<uuid:sighting_id>/acknowledge/",
        hit_apis.SightingAcknowledgeApi.as_view(),
        name="sighting-acknowledge",
    ),
    path("sightings/<uuid:sighting_id>/dispatch/", hit_apis.SightingDispatchApi.as_view(), name="sighting-dispatch"),
    path(
        "sightings/<uuid:sighting_id>/photos/<str:kind>/",
        hit_apis.SightingPhotoApi.as_view(),
        name="sighting-photo",
    ),
    path("reads/", ReadsSubmitApi.as_view(), name="reads"),
    path("units/", unit_apis.UnitListApi.as_view(), name="units"),
    path("units/<str:call_sign>/position/", unit_apis.UnitPositionApi.as_view(), name="unit-position"),
    path("units/<str:call_sign>/status/", unit_apis.UnitStatusApi.as_view(), name="unit-status"),
    path(
        "units/<str:call_sign>/assignment/photos/<str:kind>/",
        unit_apis.UnitAssignmentPhotoApi.as_view(),
        name="unit-assignment-photo",
    ),
    path("orders/", order_apis.OrderListCreateApi.as_view(), name="orders"),
    path("orders/<uuid:order_id>/", order_apis.OrderDetailApi.as_view(), name="order"),
    path("orders/<uuid:order_id>/renew/", order_apis.OrderRenewApi.as_view(), name="order-renew"),
    path("orders/<uuid:order_id>/cancel/", order_apis.OrderCancelApi.as_view(), name="order-cancel"),
    path("orders/<uuid:order_id>/resolve/", order_apis.OrderResolveApi.as_view(), name="order-resolve"),
    path("footage-requests/", footage_apis.FootageRequestListCreateApi.as_view(), name="footage-requests"),
    path("footage-requests/<uuid:request_id>/", footage_apis.FootageRequestDetailApi.as_view(), name="footage-request"),
    path(
        "footage-requests/<uuid:request_id>/approve/",
        footage_apis.FootageRequestApproveApi.as_view(),
        name="footage-request-approve",
    ),
    path(
        "footage-requests/<uuid:request_id>/deny/",
        footage_apis.FootageRequestDenyApi.as_view(),
        name="footage-request-deny",
    ),
    path("footage-requests/<uuid:request_id>/footage/", footage_apis.FootageListApi.as_view(), name="footage-list"),
    path(
        "footage-requests/<uuid:request_id>/footage/<uuid:file_id>/",
        footage_apis.FootageFileDownloadApi.as_view(),
        name="footage-file-download",
    ),
    path("live-views/", live_view_apis.LiveViewListCreateApi.as_view(), name="live-views"),
    path("live-views/<uuid:view_id>/", live_view_apis.LiveViewDetailApi.as_view(), name="live-view"),
    path("live-views/<uuid:view_id>/approve/", live_view_apis.LiveViewApproveApi.as_view(), name="live-view-approve"),
    path("live-views/<uuid:view_id>/deny/", live_view_apis.LiveViewDenyApi.as_view(), name="live-view-deny"),
    path("live-views/<uuid:view_id>/end/", live_view_apis.LiveViewEndApi.as_view(), name="live-view-end"),
    path("live-views/<uuid:view_id>/stream/", live_view_apis.LiveViewStreamApi.as_view(), name="live-view-stream"),
]
