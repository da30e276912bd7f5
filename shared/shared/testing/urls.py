"""Test-only endpoints that exercise the shared authentication, permissions and errors."""

import logging

from django.http import HttpRequest, JsonResponse
from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from shared.accounts.models import User
from shared.api.errors import Conflict
from shared.api.urls import operational_urlpatterns
from shared.auth.permissions import user_roles

logger = logging.getLogger("shared.testing")

handler500 = "shared.api.urls.json_server_error"


@api_view(["GET", "POST"])
def whoami(request: Request) -> Response:
    user = request.user
    logger.info("whoami answered")
    return Response(
        {"id": str(user.id), "username": user.username, "roles": sorted(user_roles(user))}
    )


@api_view(["POST"])
def echo(request: Request) -> Response:
    return Response({"received": request.data})


@api_view(["POST"])
def conflict(request: Request) -> Response:
    raise Conflict("Already taken.")


def user_count(request: HttpRequest) -> JsonResponse:
    """A plain Django view (not DRF's) that reads the database."""
    return JsonResponse({"users": User.objects.count()})


urlpatterns = [
    path("whoami/", whoami),
    path("echo/", echo),
    path("conflict/", conflict),
    path("user-count/", user_count),
    *operational_urlpatterns,
]
