"""Writes on chat: a message is stored with the crew's next sequence number, then broadcast.

The sequence comes from one atomic upsert on the crew's `ChatStream` row. The row stays
locked until the message commits, so numbers are gap-free and commit in order: a reader that
holds message N has seen every message before N or can fetch it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db import connection, transaction
from django.utils import timezone

from shared.accounts.models import User
from shared.chat import realtime
from shared.chat.errors import MessageDeleted, MessageNotFound, NotMessageSender
from shared.chat.models import MAX_MESSAGE_LENGTH, ChatStream, Message, MessageKind
from shared.chat.selectors import chat_ensure_readable, chat_sender
from shared.groups.models import Membership
from shared.metrics import MESSAGES_SENT


def _next_sequence(group_id: UUID) -> int:
    table = ChatStream._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (group_id, last_sequence) VALUES (%s, 1)
            ON CONFLICT (group_id) DO UPDATE SET last_sequence = {table}.last_sequence + 1
            RETURNING last_sequence
            """,  # noqa: S608 - the table name is ours, values are parameters
            [group_id],
        )
        return int(cursor.fetchone()[0])


def _store(
    *,
    group_id: UUID,
    sender: User | None,
    kind: str,
    body: str,
    data: dict[str, Any],
    broadcast: bool = True,
) -> Message:
    message = Message(
        group_id=group_id,
        sender=sender,
        kind=kind,
        body=body,
        data=data,
        sequence=_next_sequence(group_id),
    )
    # The fields' own checks only: full_clean would add four statements a message (a lookup of
    # the new random id, and a savepoint around a query for `sequence >= 1`), for what the
    # counter guarantees and PostgreSQL's constraints enforce anyway.
    message.clean_fields(exclude=["group", "sender"])
    message.save(force_insert=True)
    if broadcast:
        transaction.on_commit(lambda: realtime.broadcast_message(message))
    return message


@transaction.atomic
def message_send(*, group_id: UUID, sender_id: UUID, body: str) -> Message:
    """Store a member's text message with the crew's next sequence number, then broadcast it.

    Raises:
        ChatNotFound: the sender is not a member of the crew.
        django ValidationError: an empty or too long body.
    Side effects: broadcast to the crew's sockets on commit; `messages_sent_total`.
    """
    sender = chat_sender(group_id=group_id, user_id=sender_id)
    return _store_text(group_id=group_id, sender=sender, body=body, broadcast=True)


@transaction.atomic
def message_send_from_socket(*, group_id: UUID, sender: User, body: str) -> Message:
    """`message_send` for the chat socket, which holds the sender's membership live.

    The socket checked the membership when it opened and is closed when it ends (the sender
    leaves, is removed or banned; the crew is taken down), so the per-message membership
    query is left out of the busiest write. `sender` is the user the socket authenticated
    (their display name as of then). Not broadcast: the socket does it from the event loop.

    Raises:
        django ValidationError: an empty or too long body.
    Side effects: `messages_sent_total`.
    """
    return _store_text(group_id=group_id, sender=sender, body=body, broadcast=False)


def _store_text(*, group_id: UUID, sender: User, body: str, broadcast: bool) -> Message:
    body = body.strip()
    _validate_body(body)
    message = _store(
        group_id=group_id,
        sender=sender,
        kind=MessageKind.TEXT,
        body=body,
        data={},
        broadcast=broadcast,
    )
    transaction.on_commit(MESSAGES_SENT.inc)
    return message


@transaction.atomic
def message_post_system(
    *,
    group_id: UUID,
    kind: str = MessageKind.SYSTEM,
    body: str = "",
    data: dict[str, Any] | None = None,
) -> Message:
    """Store a message written by CrewUp itself (a member joined, a safety alert) and broadcast it."""
    return _store(group_id=group_id, sender=None, kind=kind, body=body, data=data or {})


def _validate_body(body: str) -> None:
    from django.core.exceptions import ValidationError

    if not body:
        raise ValidationError({"body": ["A message cannot be empty."]})
    if len(body) > MAX_MESSAGE_LENGTH:
        raise ValidationError({"body": [f"A message has at most {MAX_MESSAGE_LENGTH} characters."]})


def _locked_message(*, group_id: UUID, message_id: UUID) -> Message:
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("sender")
        .filter(group_id=group_id, id=message_id)
        .first()
    )
    if message is None:
        raise MessageNotFound()
    if message.deleted_at is not None:
        raise MessageDeleted()
    return message


@transaction.atomic
def message_edit(*, group_id: UUID, message_id: UUID, editor_id: UUID, body: str) -> Message:
    """Change the text of one's own message; everyone sees it as edited.

    Raises:
        ChatNotFound, MessageNotFound, MessageDeleted, NotMessageSender, ValidationError.
    Side effects: `chat.message.edited` broadcast on commit.
    """
    chat_ensure_readable(group_id=group_id, user_id=editor_id)
    message = _locked_message(group_id=group_id, message_id=message_id)
    if message.sender_id != editor_id or message.kind != MessageKind.TEXT:
        raise NotMessageSender()
    body = body.strip()
    _validate_body(body)
    message.body = body
    message.edited_at = timezone.now()
    message.save(update_fields=["body", "edited_at", "updated_at"])
    transaction.on_commit(
        lambda: realtime.broadcast_message_change(message, event_type="chat.message.edited")
    )
    return message


@transaction.atomic
def message_delete(
    *, group_id: UUID, message_id: UUID, actor_id: UUID, actor_is_moderator: bool = False
) -> Message:
    """Delete a message (soft: a tombstone keeps its place in the sequence).

    The sender, an admin of the crew or a moderator may delete.

    Raises:
        ChatNotFound (a non-member who is not a moderator), MessageNotFound, MessageDeleted,
        NotMessageSender.
    Side effects: `chat.message.deleted` broadcast on commit.
    """
    if not actor_is_moderator:
        chat_ensure_readable(group_id=group_id, user_id=actor_id)
    message = _locked_message(group_id=group_id, message_id=message_id)
    if not (
        actor_is_moderator or message.sender_id == actor_id or _is_crew_admin(group_id, actor_id)
    ):
        raise NotMessageSender()
    message.deleted_at = timezone.now()
    message.deleted_by_id = actor_id
    message.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    transaction.on_commit(
        lambda: realtime.broadcast_message_change(message, event_type="chat.message.deleted")
    )
    return message


def _is_crew_admin(group_id: UUID, user_id: UUID) -> bool:
    return any(
        membership.is_admin
        for membership in Membership.objects.filter(group_id=group_id, user_id=user_id)
    )
