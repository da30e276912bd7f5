"""URL patterns every service mounts beside its own API, the path pattern of an id, and JSON
error pages."""

from __future__ import annotations

import sys

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, path

from shared.api import health
from shared.api.exception_handler import (
    DATABASE_UNAVAILABLE_ERRORS,
    application_error_response,
    database_unavailable,
    error_body,
)

# A UUID in a path (`lookup_value_regex`, an `@action`'s `url_path`): anything else is a 404
# from the router, before a view parses it.
UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

operational_urlpatterns: list[URLPattern] = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
]


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("not_found", "Not found."), status=404)


def json_server_error(request: HttpRequest) -> JsonResponse:
    """A 500 in the error shape; or 503 when the database is unavailable (outside DRF's views:
    a middleware's query, the admin console), as the API's exception handler answers it.

    Django calls this from within its `except` block, so the error is `sys.exc_info()`'s.
    """
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE_ERRORS):
        return application_error_response(database_unavailable(error))
    return JsonResponse(error_body("server_error", "Something went wrong on our side."), status=500)


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("bad_request", "The request is malformed."), status=400)


def json_permission_denied(
    request: HttpRequest, exception: Exception | None = None
) -> JsonResponse:
    return JsonResponse(error_body("permission_denied", "Forbidden."), status=403)
