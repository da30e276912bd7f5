"""The group service's slice of the API, mounted at /api/v1/groups/, and its internal API."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from group_service.api.chat import MessageViewSet
from group_service.api.internal_alerts import InternalSafetyAlertViewSet
from group_service.api.views import GroupViewSet, InternalGroupViewSet

router = SimpleRouter()
router.register("", GroupViewSet, basename="group")

message_list = MessageViewSet.as_view({"get": "list", "post": "create"})
message_detail = MessageViewSet.as_view({"patch": "partial_update", "delete": "destroy"})

urlpatterns: list[URLPattern | URLResolver] = [
    path("<uuid:group_pk>/messages/", message_list, name="group-messages"),
    path("<uuid:group_pk>/messages/<uuid:pk>/", message_detail, name="group-message-detail"),
    *router.urls,
]

# Every internal endpoint, mounted at /internal/v1/groups/ (see group_service.urls), never
# under /api/v1/.
internal_urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "<uuid:group_id>/members/<uuid:user_id>/",
        InternalGroupViewSet.as_view({"get": "member"}),
        name="internal-group-member",
    ),
    # The safety service posts alerts into a crew's chat stream (the chat is ours to write).
    path(
        "<uuid:group_id>/safety-alerts/",
        InternalSafetyAlertViewSet.as_view({"post": "create"}),
        name="internal-group-safety-alerts",
    ),
    # ... and clears the positions they carry once its retention period is over.
    path(
        "safety-alerts/purge-locations/",
        InternalSafetyAlertViewSet.as_view({"post": "purge_locations"}),
        name="internal-safety-alert-locations-purge",
    ),
]
