"""WebSocket routes of the group service."""

from django.urls import path

from group_service.consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/groups/<uuid:group_id>/chat/", ChatConsumer.as_asgi()),
]
