"""Middleware every service runs."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from shared.api.exception_handler import error_body
from shared.core.logging import current_user_id


class BodySizeLimitMiddleware:
    """Refuse a body above `REQUEST_BODY_MAX_BYTES` with 413 before anything reads it, and read
    what the view left of a body within the limit before answering.

    Django alone would answer 400 after starting to read; a client deserves to know the
    request was too large. Bodies without a Content-Length (chunked) are capped by Django's
    own `DATA_UPLOAD_MAX_MEMORY_SIZE`, which is set to the same limit.

    A request refused before its body was read (401, 403, 404, ...) still has it on the
    socket: gunicorn drains at most 64 KiB of it and then closes the connection, and the
    ingress, still writing the rest, answered 502 ("Broken pipe") instead. So the body is
    read to its end first (at most the limit, from the ingress on the same network).

    The length is CONTENT_LENGTH, as the server set it; a `Content-Length` that came as an
    ordinary header (`HTTP_CONTENT_LENGTH`: no WSGI server makes one, a test client or a fuzzer
    does) is dropped, or `request.headers` would show it to the metrics middleware, which
    turns one that is not a number into a 500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_CONTENT_LENGTH", None)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse(
                error_body("invalid_content_length", "Content-Length is not a number."), status=400
            )
        limit = settings.REQUEST_BODY_MAX_BYTES
        if length > limit:
            return JsonResponse(
                error_body("request_too_large", f"The request body exceeds {limit} bytes."),
                status=413,
            )
        token = current_user_id.set(None)
        try:
            response = self.get_response(request)
        finally:
            current_user_id.reset(token)
        while request.read(_DRAIN_CHUNK_BYTES):
            pass
        return response


_DRAIN_CHUNK_BYTES = 64 * 1024
