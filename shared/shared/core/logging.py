"""Context for structured logs: the service name and the user behind the request."""

import logging
from contextvars import ContextVar

from django.conf import settings

current_user_id: ContextVar[str | None] = ContextVar("current_user_id", default=None)


class ServiceFilter(logging.Filter):
    """Stamp every record with the service's name and the authenticated user's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = getattr(settings, "SERVICE_NAME", "unknown")
        record.user_id = current_user_id.get()
        return True
