"""The safety service's slice of the API, mounted at /api/v1/safety/."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from safety_service.api.views import AlertViewSet, CheckInViewSet

router = SimpleRouter()
router.register("alerts", AlertViewSet, basename="alert")
router.register("check-ins", CheckInViewSet, basename="check-in")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
