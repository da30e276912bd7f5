"""CORS for the SPA's calls to the OpenID Connect endpoints (Keycloak's "web origins").

oauthlib only answers CORS for https origins, but the SPA runs on http://127.0.0.1 here, and
its userinfo calls need a preflight that DOT does not answer.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type"


class WebOriginsMiddleware:
    """Allow `IDENTITY_WEB_ORIGINS` to call `…/protocol/openid-connect/*` from scripts."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = request.headers.get("Origin")
        if (
            origin not in settings.IDENTITY_WEB_ORIGINS
            or "/protocol/openid-connect/" not in request.path
        ):
            return self.get_response(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = "3600"
        else:
            response = self.get_response(request)
        response["Access-Control-Allow-Origin"] = origin
        patch_vary_headers(response, ["Origin"])
        return response
