"""Reads on chat: history by sequence number, and what a socket missed."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from django.db.models import QuerySet

from shared.accounts.models import User, UserSummary
from shared.chat.errors import ChatNotFound
from shared.chat.models import ChatStream, Message
from shared.core.sql import records_cursor, table
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


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """A message as a client sees it (`realtime.message_payload`), read without model instances."""

    id: UUID
    group_id: UUID
    sequence: int
    kind: str
    body: str
    # Read from further columns or built: never filled by position.
    _: KW_ONLY
    data: dict[str, Any]
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    sender: UserSummary | None


def message_list(
    *,
    group_id: UUID,
    viewer_id: UUID,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> list[MessageRecord]:
    """Return up to `limit` messages in sequence order, before or after a sequence number.

    With `after`, the oldest messages past it (catching up); otherwise the newest, before
    `before` when given (scrolling back). Deleted messages are returned as tombstones.

    One query: the viewer's membership (of a crew not taken down) joined to the page of
    messages, so an outsider gets no row at all and a member of a quiet crew one empty row.

    Raises:
        ChatNotFound: the viewer is not a member.
    """
    limit = max(1, min(limit, HISTORY_PAGE_MAX))
    where, order = "", "DESC"
    params: dict[str, Any] = {"group": group_id, "viewer": viewer_id, "limit": limit}
    if after is not None:
        where, order, params["after"] = "AND msg.sequence > %(after)s", "ASC", after
    elif before is not None:
        where, params["before"] = "AND msg.sequence < %(before)s", before
    sql = (
        f"SELECT msg.id, msg.group_id, msg.sequence, msg.kind, msg.body, msg.data::text,"  # noqa: S608 - constants only
        f" msg.created_at, msg.edited_at, msg.deleted_at, {UserSummary.columns('u')}"
        f" FROM {table(Membership)} me"
        f" JOIN {table(Group)} g ON g.id = me.group_id AND g.removed_at IS NULL"
        f" LEFT JOIN LATERAL (SELECT * FROM {table(Message)} msg"
        f"  WHERE msg.group_id = me.group_id {where}"
        f"  ORDER BY msg.sequence {order} LIMIT %(limit)s) msg ON true"
        f" LEFT JOIN {table(User)} u ON u.id = msg.sender_id"
        " WHERE me.group_id = %(group)s AND me.user_id = %(viewer)s"
        " ORDER BY msg.sequence"
    )
    with records_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        raise ChatNotFound()
    return [
        MessageRecord(
            *row[:5],
            data=orjson.loads(row[5]),
            created_at=row[6],
            edited_at=row[7],
            deleted_at=row[8],
            sender=UserSummary.from_columns(row[9:15]),
        )
        for row in rows
        if row[0] is not None
    ]


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
