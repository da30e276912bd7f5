"""Test-only endpoints that exercise the shared authentication, permissions and errors."""

import logging

from django.urls import path
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from shared.api.errors import Conflict
from shared.api.urls import operational_urlpatterns
from shared.auth.permissions import user_roles

logger = logging.getLogger("shared.testing")


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


urlpatterns = [
    path("whoami/", whoami),
    path("echo/", echo),
    path("conflict/", conflict),
    *operational_urlpatterns,
]
