"""WebSocket routes; the consumers live in their apps."""

from django.urls import path

from sightings.live.consumers import AlertConsumer

websocket_urlpatterns = [
    path("ws/alerts/", AlertConsumer.as_asgi()),
]
