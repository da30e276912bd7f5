"""The event service's URLs and a DRF view that authenticates and reads nothing.

`bench_event_detail.py` serves it beside the real detail, to show the ceiling of target (a):
the services' middleware, DRF, the JWT check and the user cache, with no database access (so
no connection health check either). Never part of a service.
"""

from django.urls import include, path
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared.auth.permissions import NotBanned


class Floor(APIView):
    """Who you are, with the event API's authentication and ban check."""

    permission_classes = [IsAuthenticated, NotBanned]

    def get(self, request: Request) -> Response:
        return Response({"id": str(request.user.id)})


urlpatterns = [
    path("bench/floor/", Floor.as_view()),
    path("", include("event_service.urls")),
]
