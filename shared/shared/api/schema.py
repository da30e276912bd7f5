"""The OpenAPI schema of every service: its generator, the error body and the refusals' wording.

One error body and one table of refusals, so every service documents `{"error": ...}` under the
same components (`ErrorOutput`, `ErrorDetailOutput`) and the SPA's generated types agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

PAGE_NOT_FOUND = "No such page: `page` below 1 or past the last page, or an invalid `cursor`."
BODY_TOO_LARGE = "The request body is larger than the services accept (REQUEST_BODY_MAX_BYTES)."
UNSUPPORTED_MEDIA_TYPE = "The body is not `application/json`."
DATABASE_UNAVAILABLE = (
    "`database_unavailable`: PostgreSQL is out of reach for the moment; `Retry-After` says when"
    " to try again."
)


class ErrorDetailOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    # A field named `fields`: DRF's metaclass takes it out of the class, so the serializer's own
    # `fields` stays; the stubs see a clash.
    fields = serializers.DictField()  # type: ignore[assignment]


class ErrorOutputSerializer(serializers.Serializer):
    """Every refusal: `{"error": {"code", "message", "fields"}}`."""

    error = ErrorDetailOutputSerializer()


# How every service words these refusals; an API describes its other statuses itself.
ERROR_DESCRIPTIONS: Mapping[int, str] = {
    400: "Invalid input; see `fields`.",
    401: "No valid token.",
    403: "Banned.",
}


class ErrorResponses:
    """The refusals one API documents: `errors(400, 404)` among an `@extend_schema`'s responses.

    `described` words what the shared table does not (what a 404 did not find, what a 409
    conflicts with), or says more than it (who else a 403 refuses). A status described nowhere
    raises `KeyError` when the view module is imported.
    """

    def __init__(self, described: Mapping[int, str]) -> None:
        self.descriptions = {**ERROR_DESCRIPTIONS, **described}

    def __call__(self, *codes: int) -> dict[int, OpenApiResponse]:
        return {
            code: OpenApiResponse(ErrorOutputSerializer, description=self.descriptions[code])
            for code in codes
        }


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, plus the error answers every service gives alike.

    `shared.api.pagination.PageNumberPagination` answers `?page=0`, or a page past the end,
    with a 404 in the error shape, on every paginated list; a body above the size limit is a
    413, and a body that is not JSON a 415, on every operation that takes one; every operation
    answers 503 while PostgreSQL is out of reach.
    """

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if self.method in ("POST", "PUT", "PATCH") and "413" not in responses:
            # `shared.api.middleware.BodySizeLimitMiddleware`, before any view.
            responses["413"] = self._error_response("413", BODY_TOO_LARGE, direction)
        if self.method in ("POST", "PUT", "PATCH") and "415" not in responses:
            # The only parser is JSON (`DEFAULT_PARSER_CLASSES`).
            responses["415"] = self._error_response("415", UNSUPPORTED_MEDIA_TYPE, direction)
        if "503" not in responses:
            # `shared.api.exception_handler`: a lost database connection, on any operation.
            responses["503"] = self._error_response("503", DATABASE_UNAVAILABLE, direction)
        if self.method != "GET" or not self._is_paginated_list(responses):
            return responses
        if "404" in responses:
            described = responses["404"].get("description", "")
            responses["404"]["description"] = f"{described} Or: {PAGE_NOT_FOUND}".strip()
            return responses
        responses["404"] = self._error_response("404", PAGE_NOT_FOUND, direction)
        return responses

    def _error_response(self, code: str, description: str, direction: Any) -> dict[str, Any]:
        error = OpenApiResponse(ErrorOutputSerializer, description=description)
        response: dict[str, Any] = self._get_response_for_code(error, code, direction=direction)
        return response

    def _is_paginated_list(self, responses: dict[str, Any]) -> bool:
        return "200" in responses and self._get_paginator() is not None and self._is_list_view()
