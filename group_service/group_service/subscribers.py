"""Handlers of the bus events the group service reacts to (consumed by its Celery worker)."""

from __future__ import annotations

from django.utils import timezone

from shared.chat.realtime import close_user_sockets
from shared.messaging.schemas import UserBanned


class SocketsNotClosed(RuntimeError):
    """The channel layer refused the close; the event is retried (then dead-lettered)."""


def on_user_banned(event: UserBanned) -> None:
    """Close the banned user's live chat sockets in every group-service process.

    Closing twice is harmless, so a redelivered event needs no record beyond the consumer's.
    A ban that has already ended by the time it arrives closes nothing.

    Raises:
        SocketsNotClosed: the Redis channel layer refused the message (the consumer retries).
    Side effects: one channel-layer message; each of the user's sockets closes with 4403.
    """
    if event.until is not None and event.until <= timezone.now():
        return
    if not close_user_sockets(event.user_id):
        raise SocketsNotClosed(f"could not close the sockets of {event.user_id}")
