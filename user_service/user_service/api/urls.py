"""The user service's slice of the API, mounted at /api/v1/users/."""

from django.urls import URLPattern, URLResolver
from rest_framework.routers import SimpleRouter

from user_service.api.views import UserViewSet

router = SimpleRouter()
router.register("", UserViewSet, basename="user")

urlpatterns: list[URLPattern | URLResolver] = [*router.urls]
