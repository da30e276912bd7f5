from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

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
    *operational_urlpatterns,
]
