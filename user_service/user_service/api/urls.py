"""The user service's slice of the API, mounted at /api/v1/users/."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from user_service.api.notifications import (
    NotificationPreferencesView,
    NotificationViewSet,
    PushConfigView,
    PushSubscriptionsView,
)
from user_service.api.views import UserViewSet

router = SimpleRouter()
router.register("me/notifications", NotificationViewSet, basename="notification")
router.register("", UserViewSet, basename="user")

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "me/notification-preferences/",
        NotificationPreferencesView.as_view(),
        name="notification-preferences",
    ),
    path("me/push-subscriptions/", PushSubscriptionsView.as_view(), name="push-subscriptions"),
    path("push-config/", PushConfigView.as_view(), name="push-config"),
    *router.urls,
]
