"""The base of every business-rule error a service raises."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A refused request, rendered as `{"error": {"code", "message", "fields"}}`.

    Subclasses set `code`, `status` and a default `message`; apps keep theirs in `errors.py`.
    """

    code = "invalid_request"
    status = 400
    message = "The request cannot be carried out."
    # Seconds after which the same request may succeed; sent as `Retry-After` when set.
    retry_after: float | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        fields: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.status = status or self.status
        self.fields = fields or {}
        super().__init__(self.message)


class NotFound(ApplicationError):
    code = "not_found"
    status = 404
    message = "Not found."


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status = 403
    message = "You do not have permission to do this."


class Conflict(ApplicationError):
    code = "conflict"
    status = 409
    message = "The request conflicts with the current state."


class TooManyRequests(ApplicationError):
    """Refused for now: the same request may go again in `retry_after` seconds.

    The wait is in the body (`fields.retry_after`, to a tenth of a second) and, by the
    exception handler, in the `Retry-After` header (whole seconds, rounded up), so every 429
    of every service can be retried by a client or a proxy that reads only the header.
    """

    code = "rate_limited"
    status = 429
    message = "Too many requests; slow down."

    def __init__(self, retry_after: float, message: str | None = None) -> None:
        super().__init__(message, fields={"retry_after": round(retry_after, 1)})
        self.retry_after = retry_after


class DatabaseUnavailable(ApplicationError):
    """PostgreSQL cannot be reached, or dropped the connection (a restart, a failover).

    The request was not carried out, or its transaction was rolled back; the same request may
    go again after `Retry-After`. The service reconnects by itself once the database is back.
    """

    code = "database_unavailable"
    status = 503
    message = "The database is unavailable for a moment; try again shortly."
    retry_after = 5.0
