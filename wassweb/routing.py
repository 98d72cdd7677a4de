"""WebSocket routes; the consumers live in their apps."""

from django.urls import path

from sightings.live.consumers import AlertConsumer
from sightings.units.consumers import UnitConsumer

websocket_urlpatterns = [
    path("ws/alerts/", AlertConsumer.as_asgi()),
    path("ws/units/", UnitConsumer.as_asgi()),
]
