"""HTML pages of the sightings app (orders, dashboards, footage)."""

from django.urls import path

from sightings.cameras import views as camera_views
from sightings.footage import views as footage_views
from sightings.live_views import views as live_view_views
from sightings.orders import views as order_views
from sightings.units import views as unit_views

app_name = "sightings"
urlpatterns: list = [
    path("orders/", order_views.order_list, name="order-list"),
    path("orders/new/", order_views.order_new, name="order-new"),
    path("orders/<uuid:order_id>/", order_views.order_detail, name="order-detail"),
    path("orders/<uuid:order_id>/renew/", order_views.order_renew, name="order-renew"),
    path("orders/<uuid:order_id>/cancel/", order_views.order_cancel, name="order-cancel"),
    path("orders/<uuid:order_id>/resolve/", order_views.order_resolve, name="order-resolve"),
    path("municipalities/<str:code>/lookback/", order_views.lookback_settings, name="lookback-settings"),
    path("municipalities/<str:code>/cameras/", camera_views.camera_list, name="camera-list"),
    path("cameras/<uuid:camera_id>/", camera_views.camera_edit, name="camera-edit"),
    path("cameras/<uuid:camera_id>/reading/", camera_views.camera_reading, name="camera-reading"),
    path("cameras/<uuid:camera_id>/retire/", camera_views.camera_retire, name="camera-retire"),
    path("footage/", footage_views.footage_list, name="footage-list"),
    path("footage/new/", footage_views.footage_new, name="footage-new"),
    path("footage/<uuid:request_id>/", footage_views.footage_detail, name="footage-detail"),
    path("footage/<uuid:request_id>/approve/", footage_views.footage_approve, name="footage-approve"),
    path("footage/<uuid:request_id>/deny/", footage_views.footage_deny, name="footage-deny"),
    path("unit/", unit_views.unit_terminal, name="unit-terminal"),
    path("live-views/new/", live_view_views.live_view_new, name="live-view-new"),
    path("live-views/<uuid:view_id>/", live_view_views.live_view_detail, name="live-view-detail"),
    path("live-views/<uuid:view_id>/approve/", live_view_views.live_view_approve, name="live-view-approve"),
    path("live-views/<uuid:view_id>/deny/", live_view_views.live_view_deny, name="live-view-deny"),
    path("live-views/<uuid:view_id>/end/", live_view_views.live_view_end, name="live-view-end"),
]
