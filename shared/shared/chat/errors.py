"""The business-rule refusals of chat."""

from __future__ import annotations

from shared.api.errors import ApplicationError, NotFound, PermissionDenied, TooManyRequests


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


class RateLimited(TooManyRequests):
    message = "Too many messages; slow down."
