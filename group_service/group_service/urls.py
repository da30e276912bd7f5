from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from group_service.api.internal_alerts import InternalSafetyAlertViewSet
from group_service.api.urls import internal_urlpatterns
from shared.api.urls import operational_urlpatterns

handler400 = "shared.api.urls.json_bad_request"
handler403 = "shared.api.urls.json_permission_denied"
handler404 = "shared.api.urls.json_not_found"
handler500 = "shared.api.urls.json_server_error"

urlpatterns = [
    path("api/v1/groups/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/groups/", include("group_service.api.urls")),
    # Service-to-service only, and outside /api/v1/ on purpose: the public ingress routes
    # nothing but /api/v1/<service>/ (and /ws/), so these paths are reachable only inside the
    # cluster, and they still demand a token with the `service` realm role: an internal path
    # must not be open to anyone who can reach the service.
    path("internal/v1/groups/", include(internal_urlpatterns)),
    # The safety service posts alerts into a crew's chat stream (the chat is ours to write).
    path(
        "internal/v1/groups/<uuid:group_id>/safety-alerts/",
        InternalSafetyAlertViewSet.as_view({"post": "create"}),
        name="internal-group-safety-alerts",
    ),
    # ... and clears the positions they carry once its retention period is over.
    path(
        "internal/v1/groups/safety-alerts/purge-locations/",
        InternalSafetyAlertViewSet.as_view({"post": "purge_locations"}),
        name="internal-safety-alert-locations-purge",
    ),
    *operational_urlpatterns,
]
