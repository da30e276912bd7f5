"""The group service's slice of the API, mounted at /api/v1/groups/."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from group_service.api.views import GroupViewSet

router = SimpleRouter()
router.register("", GroupViewSet, basename="group")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
