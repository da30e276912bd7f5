"""WebSocket routes of the group service."""

from django.urls import path

from group_service.consumers import ChatConsumer
from group_service.me import MeConsumer

# Channels routes consumers with Django's `path`, whose stubs know only views.
websocket_urlpatterns = [
    path("ws/groups/<uuid:group_id>/chat/", ChatConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/me/", MeConsumer.as_asgi()),  # type: ignore[arg-type]
]
