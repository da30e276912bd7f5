"""The event service's slice of the API, mounted at /api/v1/events/."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from event_service.api.views import EventViewSet, PlaceViewSet

router = SimpleRouter()
# Before the events: "places/" is not an event id, but the intent reads first.
router.register("places", PlaceViewSet, basename="place")
router.register("", EventViewSet, basename="event")

urlpatterns: list[URLPattern | URLResolver] = [
    # No trailing slash: calendar apps and browsers expect a file name ending in `.ics`.
    path(
        "<uuid:pk>/calendar.ics",
        EventViewSet.as_view({"get": "calendar"}),
        name="event-calendar",
    ),
    *router.urls,
]
