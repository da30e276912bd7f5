"""The business-rule refusals of chat."""

from __future__ import annotations

from shared.api.errors import ApplicationError, NotFound, PermissionDenied


class ChatNotFound(NotFound):
    """No such crew, or one whose chat the user may not see (never revealed)."""

    code = "group_not_found"
    message = "No such crew."


class MessageNotFound(NotFound):
    code = "message_not_found"
    message = "No such message."


class NotMessageSender(PermissionDenied):
    code = "not_message_sender"
    message = "Only the sender can do this."


class MessageDeleted(ApplicationError):
    code = "message_deleted"
    status = 409
    message = "The message was deleted."


class RateLimited(ApplicationError):
    code = "rate_limited"
    status = 429
    message = "Too many messages; slow down."

    def __init__(self, retry_after: float) -> None:
        super().__init__(fields={"retry_after": round(retry_after, 1)})
        self.retry_after = retry_after
