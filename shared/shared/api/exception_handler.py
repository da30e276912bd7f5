"""One error shape for every refused request: `{"error": {"code", "message", "fields"}}`."""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from shared.api.errors import ApplicationError, DatabaseUnavailable

logger = logging.getLogger(__name__)

# What the database driver raises when PostgreSQL cannot be reached or drops the connection
# (PEP 249: OperationalError is "not necessarily under the control of the programmer"; an
# InterfaceError, a connection already closed). Answered 503, not 500: nothing is wrong with
# the request, and the same request succeeds once the database is back.
DATABASE_UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def retry_after_header(seconds: float) -> str:
    """A wait as `Retry-After` delay-seconds (RFC 9110 §10.2.3): whole, rounded up, at least 1."""
    return str(max(1, math.ceil(seconds)))


def database_unavailable(error: BaseException) -> DatabaseUnavailable:
    """The error a client gets for `error`, one of `DATABASE_UNAVAILABLE_ERRORS`."""
    logger.warning("the database is unavailable: %s", error)
    return DatabaseUnavailable()


def application_error_response(exc: ApplicationError) -> JsonResponse:
    """`exc` as a plain Django response (outside DRF), in the same shape and headers."""
    response = JsonResponse(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if exc.retry_after is not None:
        response["Retry-After"] = retry_after_header(exc.retry_after)
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render application, Django and DRF errors in CrewUp's shape; leave real bugs to 500.

    The database being unreachable is not a bug: 503 `database_unavailable`, with Retry-After.
    """
    if isinstance(exc, DATABASE_UNAVAILABLE_ERRORS):
        exc = database_unavailable(exc)
    if isinstance(exc, ApplicationError):
        answer = Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
        if exc.retry_after is not None:
            answer["Retry-After"] = retry_after_header(exc.retry_after)
        return answer
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body("invalid", "The request is invalid; see fields.", fields)
        return response
    detail = exc.detail
    message = str(detail) if not isinstance(detail, list | dict) else "The request was refused."
    response.data = error_body(str(getattr(detail, "code", None) or exc.default_code), message)
    return response
