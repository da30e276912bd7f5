from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from moderation_service import console
from shared.api.urls import operational_urlpatterns

handler400 = "shared.api.urls.json_bad_request"
handler403 = "shared.api.urls.json_permission_denied"
handler404 = "shared.api.urls.json_not_found"
handler500 = "shared.api.urls.json_server_error"

admin.site.site_header = "CrewUp moderator console"
admin.site.site_title = "CrewUp moderation"
admin.site.index_title = "Moderation"

urlpatterns = [
    path("api/v1/moderation/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/moderation/", include("moderation_service.api.urls")),
    # The console: sign-in through the identity provider, under /admin/ as the ingress routes.
    path("admin/login/", console.login, name="console-login"),
    path("admin/oidc/denied/", console.denied, name="console-denied"),
    path("admin/oidc/", include("mozilla_django_oidc.urls")),
    path("admin/", admin.site.urls),
    *operational_urlpatterns,
]
