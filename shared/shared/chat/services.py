"""Writes on chat: a message is stored with the crew's next sequence number, then broadcast.

The sequence comes from one atomic upsert on the crew's `ChatStream` row, in the statement
that inserts the message. The row stays locked until the message commits, so numbers are
gap-free and commit in order: a reader that holds message N has seen every message before N
or can fetch it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone

from shared.accounts.models import User
from shared.chat import realtime
from shared.chat.errors import MessageDeleted, MessageNotFound, NotMessageSender
from shared.chat.models import MAX_MESSAGE_LENGTH, ChatStream, Message, MessageKind
from shared.chat.selectors import chat_ensure_readable, chat_sender
from shared.groups.models import Membership
from shared.metrics import MESSAGES_SENT


def _inserted_fields() -> list[Field[Any, Any]]:
    return [f for f in Message._meta.concrete_fields if f.attname != "sequence"]


@functools.lru_cache(maxsize=128)
def _numbered_insert(count: int) -> str:
    """The statement of `_insert_numbered` for `count` messages (built once per count)."""
    fields = _inserted_fields()
    columns = [connection.ops.quote_name(f.column) for f in fields]
    row = ", ".join(["%s::integer", *(f"%s::{f.cast_db_type(connection)}" for f in fields)])
    stream, table = ChatStream._meta.db_table, Message._meta.db_table
    return f"""
        WITH draft (draft_number, {", ".join(columns)}) AS (
            VALUES {", ".join([f"({row})"] * count)}
        ),
        added AS (SELECT group_id, count(*) AS count FROM draft GROUP BY group_id),
        counter AS (
            INSERT INTO {stream} AS stream (group_id, last_sequence)
            SELECT group_id, count FROM added ORDER BY group_id
            ON CONFLICT (group_id)
            DO UPDATE SET last_sequence = stream.last_sequence + excluded.last_sequence
            RETURNING group_id, last_sequence
        )
        INSERT INTO {table} ({", ".join(columns)}, sequence)
        SELECT {", ".join(f"draft.{column}" for column in columns)},
            counter.last_sequence - added.count
            + row_number() OVER (PARTITION BY draft.group_id ORDER BY draft.draft_number)
        FROM draft JOIN added USING (group_id) JOIN counter USING (group_id)
        RETURNING id, sequence
    """  # noqa: S608 - the names are ours, values are parameters


def _insert_numbered(messages: Sequence[Message]) -> None:
    """INSERT `messages` with their crews' next sequence numbers (in list order), in one statement.

    Each crew's counter is raised once by its count of messages, and the counters' upsert and
    the inserts share the statement's transaction (or the caller's): a crew's counter row
    stays locked until its messages commit. Counters are taken in crew order, so two
    statements never wait for each other's.

    One round trip to PostgreSQL, where `transaction.atomic` around an upsert and a `save()`
    took four for one message (BEGIN, upsert, insert, COMMIT). A process's sockets store
    their messages through one database thread, and each round trip waited for the busy
    event loop to let that thread run again (issue #13: 50 msg/s to a crew of 50 at most).
    """
    fields = _inserted_fields()
    values: list[Any] = []
    for number, message in enumerate(messages):
        values.append(number)
        values.extend(f.get_db_prep_save(f.pre_save(message, True), connection) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(_numbered_insert(len(messages)), values)
        sequences = dict(cursor.fetchall())
    for message in messages:
        message.sequence = sequences[message.id]
        message._state.adding, message._state.db = False, connection.alias


def _new_message(
    *, group_id: UUID, sender: User | None, kind: str, body: str, data: dict[str, Any]
) -> Message:
    message = Message(group_id=group_id, sender=sender, kind=kind, body=body, data=data)
    # The fields' own checks only: full_clean would add four statements a message (a lookup of
    # the new random id, and a savepoint around a query for `sequence >= 1`), for what the
    # counter guarantees and PostgreSQL's constraints enforce anyway.
    message.clean_fields(exclude=["group", "sender", "sequence"])
    return message


def _new_text(*, group_id: UUID, sender: User, body: str) -> Message:
    body = body.strip()
    _validate_body(body)
    return _new_message(group_id=group_id, sender=sender, kind=MessageKind.TEXT, body=body, data={})


def _store(
    *, group_id: UUID, sender: User | None, kind: str, body: str, data: dict[str, Any]
) -> Message:
    message = _new_message(group_id=group_id, sender=sender, kind=kind, body=body, data=data)
    _insert_numbered([message])
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
    message = _new_text(group_id=group_id, sender=sender, body=body)
    _insert_numbered([message])
    transaction.on_commit(lambda: realtime.broadcast_message(message))
    transaction.on_commit(MESSAGES_SENT.inc)
    return message


@dataclass(frozen=True)
class SocketMessage:
    """A text message that a chat socket received from its member, to be stored."""

    group_id: UUID
    sender: User
    body: str


def message_send_from_sockets(messages: Sequence[SocketMessage]) -> list[Message | ValidationError]:
    """`message_send` for the chat sockets, which hold their senders' memberships live.

    A socket checked the membership when it opened and is closed when it ends (the sender
    leaves, is removed or banned; the crew is taken down), so the per-message membership
    query is left out of the busiest write. `sender` is the user the socket authenticated
    (their display name as of then). The messages of a process's sockets are stored together,
    in one statement (atomic by itself, or joining a caller's transaction), in list order
    within each crew. Not broadcast: the sockets' process does it from its event loop.

    Returns, for each message in order, the stored message, or the ValidationError of its
    body (an empty or too long one), not stored.
    Raises:
        django DatabaseError: the statement failed; none of them is stored.
    Side effects: `messages_sent_total`.
    """
    outcomes: list[Message | ValidationError] = []
    for each in messages:
        try:
            outcomes.append(_new_text(group_id=each.group_id, sender=each.sender, body=each.body))
        except ValidationError as error:
            outcomes.append(error)
    stored = [outcome for outcome in outcomes if isinstance(outcome, Message)]
    if stored:
        _insert_numbered(stored)
        transaction.on_commit(lambda: MESSAGES_SENT.inc(len(stored)))
    return outcomes


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
