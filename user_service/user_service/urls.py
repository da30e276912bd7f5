from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from shared.api.urls import operational_urlpatterns

handler400 = "shared.api.urls.json_bad_request"
handler403 = "shared.api.urls.json_permission_denied"
handler404 = "shared.api.urls.json_not_found"
handler500 = "shared.api.urls.json_server_error"

urlpatterns = [
    path("api/v1/users/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/users/", include("user_service.api.urls")),
    *operational_urlpatterns,
]
