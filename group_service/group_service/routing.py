"""WebSocket routes of the group service."""

from django.urls import path

from group_service.consumers import ChatConsumer
from group_service.me import MeConsumer

websocket_urlpatterns = [
    path("ws/groups/<uuid:group_id>/chat/", ChatConsumer.as_asgi()),
    path("ws/me/", MeConsumer.as_asgi()),
]
