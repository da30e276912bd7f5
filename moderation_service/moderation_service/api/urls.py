"""The moderation service's slice of the API, mounted at /api/v1/moderation/."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from moderation_service.api.views import (
    AuditLogViewSet,
    BanViewSet,
    ContentRemovalViewSet,
    ReportViewSet,
)

router = SimpleRouter()
router.register("bans", BanViewSet, basename="ban")
router.register("audit-log", AuditLogViewSet, basename="audit-log")
router.register("reports", ReportViewSet, basename="report")
router.register("content-removals", ContentRemovalViewSet, basename="content-removal")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
