"""Reads on chat: history by sequence number, and what a socket missed."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from shared.accounts.models import User
from shared.chat.errors import ChatNotFound
from shared.chat.models import ChatStream, Message
from shared.groups.models import Group, Membership

HISTORY_PAGE_MAX = 100


def chat_can_read(*, group_id: UUID, user_id: UUID) -> bool:
    """Whether the user may read and write this crew's chat: a member of a crew not taken down."""
    return Membership.objects.filter(
        group_id=group_id, user_id=user_id, group__removed_at__isnull=True
    ).exists()


def chat_ensure_readable(*, group_id: UUID, user_id: UUID) -> None:
    """Raise ChatNotFound unless the user may read the crew's chat (outsiders learn nothing)."""
    if not chat_can_read(group_id=group_id, user_id=user_id):
        raise ChatNotFound()


def chat_sender(*, group_id: UUID, user_id: UUID) -> User:
    """The user about to write to the crew's chat, checked as `chat_ensure_readable` does.

    One query, on the way of every message: the membership check, and of the sender what
    the message's payload shows (`User.SUMMARY_FIELDS`).

    Raises:
        ChatNotFound: the user may not read the crew's chat.
    """
    try:
        return User.objects.only(*User.SUMMARY_FIELDS).get(
            id=user_id,
            crew_memberships__group_id=group_id,
            crew_memberships__group__removed_at__isnull=True,
        )
    except User.DoesNotExist:
        raise ChatNotFound() from None


def message_list(
    *,
    group_id: UUID,
    viewer_id: UUID,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> list[Message]:
    """Return up to `limit` messages in sequence order, before or after a sequence number.

    With `after`, the oldest messages past it (catching up); otherwise the newest, before
    `before` when given (scrolling back). Deleted messages are returned as tombstones.

    Raises:
        ChatNotFound: the viewer is not a member.
    """
    chat_ensure_readable(group_id=group_id, user_id=viewer_id)
    limit = max(1, min(limit, HISTORY_PAGE_MAX))
    messages: QuerySet[Message] = Message.objects.filter(group_id=group_id).select_related("sender")
    if after is not None:
        return list(messages.filter(sequence__gt=after).order_by("sequence")[:limit])
    if before is not None:
        messages = messages.filter(sequence__lt=before)
    return list(reversed(messages.order_by("-sequence")[:limit]))


def message_range(
    *, group_id: UUID, after: int, up_to: int | None = None, limit: int = HISTORY_PAGE_MAX
) -> list[Message]:
    """Messages with `after < sequence <= up_to` in order; for sockets filling a gap.

    The caller has already checked membership (the socket did on connect).
    """
    messages = Message.objects.filter(group_id=group_id, sequence__gt=after).select_related(
        "sender"
    )
    if up_to is not None:
        messages = messages.filter(sequence__lte=up_to)
    return list(messages.order_by("sequence")[:limit])


def chat_last_sequence(*, group_id: UUID) -> int:
    """The number of the crew's latest message (0 before the first)."""
    return (
        ChatStream.objects.filter(group_id=group_id).values_list("last_sequence", flat=True).first()
        or 0
    )


def chat_group_exists(*, group_id: UUID) -> bool:
    return Group.objects.filter(id=group_id, removed_at__isnull=True).exists()


def message_list_of_sender(*, sender_id: UUID) -> QuerySet[Message]:
    """Return every message the user wrote, deleted ones included, oldest first (for the export).

    No membership check: for the user's own data, not for reading a crew's chat.
    """
    return Message.objects.filter(sender_id=sender_id).order_by("created_at", "id")


def message_get(*, message_id: UUID) -> Message | None:
    """Return the message with its sender, or None; no membership check (moderation's reads)."""
    return Message.objects.select_related("sender").filter(id=message_id).first()
