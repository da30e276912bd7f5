"""The group service's slice of the API, mounted at /api/v1/groups/."""

from django.urls import path

from group_service.api.chat import MessageViewSet

message_list = MessageViewSet.as_view({"get": "list", "post": "create"})
message_detail = MessageViewSet.as_view({"patch": "partial_update", "delete": "destroy"})

urlpatterns = [
    path("<uuid:group_pk>/messages/", message_list, name="group-messages"),
    path("<uuid:group_pk>/messages/<uuid:pk>/", message_detail, name="group-message-detail"),
]
