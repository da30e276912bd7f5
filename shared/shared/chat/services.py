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
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from shared.accounts.models import User
from shared.chat import realtime
from shared.chat.errors import MessageDeleted, MessageNotFound, NotMessageSender
from shared.chat.models import (
    MAX_CLIENT_ID_LENGTH,
    MAX_MESSAGE_LENGTH,
    ChatStream,
    Message,
    MessageKind,
)
from shared.chat.selectors import chat_ensure_readable, chat_sender
from shared.groups.models import Membership
from shared.metrics import MESSAGES_SENT


def _inserted_fields() -> list[Any]:
    """Message's columns but `sequence` (fields, whose `cast_db_type` django-stubs lacks)."""
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
        keyed AS (
            SELECT draft.*, CASE WHEN draft.client_id IS NULL OR draft.sender_id IS NULL
                THEN draft.id
                ELSE first_value(draft.id) OVER (
                    PARTITION BY draft.group_id, draft.sender_id, draft.client_id
                    ORDER BY draft.draft_number
                ) END AS first_id
            FROM draft
        ),
        known AS (
            SELECT draft.id AS draft_id, message.id, message.sequence
            FROM draft JOIN {table} AS message
                ON message.group_id = draft.group_id
                AND message.sender_id = draft.sender_id
                AND message.client_id = draft.client_id
        ),
        fresh AS (
            SELECT * FROM keyed
            WHERE keyed.id = keyed.first_id
                AND NOT EXISTS (SELECT FROM known WHERE known.draft_id = keyed.id)
        ),
        added AS (SELECT group_id, count(*) AS count FROM fresh GROUP BY group_id),
        counter AS (
            INSERT INTO {stream} AS stream (group_id, last_sequence)
            SELECT group_id, count FROM added ORDER BY group_id
            ON CONFLICT (group_id)
            DO UPDATE SET last_sequence = stream.last_sequence + excluded.last_sequence
            RETURNING group_id, last_sequence
        ),
        inserted AS (
            INSERT INTO {table} ({", ".join(columns)}, sequence)
            SELECT {", ".join(f"fresh.{column}" for column in columns)},
                counter.last_sequence - added.count
                + row_number() OVER (PARTITION BY fresh.group_id ORDER BY fresh.draft_number)
            FROM fresh JOIN added USING (group_id) JOIN counter USING (group_id)
            RETURNING id, sequence
        )
        SELECT keyed.id, coalesce(known.id, inserted.id), coalesce(known.sequence, inserted.sequence)
        FROM keyed
            LEFT JOIN known ON known.draft_id = keyed.first_id
            LEFT JOIN inserted ON inserted.id = keyed.first_id
    """  # noqa: S608 - the names are ours, values are parameters


def _insert_numbered(messages: Sequence[Message]) -> list[Message]:
    """INSERT `messages` with their crews' next sequence numbers (in list order), in one statement.

    Each crew's counter is raised once by its count of messages, and the counters' upsert and
    the inserts share the statement's transaction (or the caller's): a crew's counter row
    stays locked until its messages commit. Counters are taken in crew order, so two
    statements never wait for each other's.

    One round trip to PostgreSQL, where `transaction.atomic` around an upsert and a `save()`
    took four for one message (BEGIN, upsert, insert, COMMIT). A process's sockets store
    their messages through one database thread, and each round trip waited for the busy
    event loop to let that thread run again (issue #13: 50 msg/s to a crew of 50 at most).

    A message whose sender already stored one with its `client_id` in the crew (a client
    resending what was not acknowledged), or which repeats an earlier one of the list, is not
    inserted nor counted: it is left out before the counters are raised, so numbers stay
    gap-free (an `ON CONFLICT DO NOTHING` on the insert would skip the numbers handed out to
    the repeats). Two statements storing the same key at once both miss the other's row; the
    second then waits for the first's counter lock and fails on the unique index
    (IntegrityError) instead of skipping a number: storing again answers the stored message.

    Returns, for each message in order, the stored one: the message itself, numbered, or the
    one it repeats (the earlier one of the list, or one loaded by a second query).
    """
    fields = _inserted_fields()
    values: list[Any] = []
    for number, message in enumerate(messages):
        values.append(number)
        values.extend(f.get_db_prep_save(f.pre_save(message, True), connection) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(_numbered_insert(len(messages)), values)
        stored_as = {draft_id: (stored_id, sequence) for draft_id, stored_id, sequence in cursor}
    by_id = {message.id: message for message in messages}
    for message in messages:
        stored_id, sequence = stored_as[message.id]
        if stored_id == message.id:
            message.sequence = sequence
            message._state.adding, message._state.db = False, connection.alias
    earlier_ids = {stored_id for stored_id, _ in stored_as.values() if stored_id not in by_id}
    if earlier_ids:  # repeats of messages stored before: rare, a second query only then
        by_id.update(Message.objects.select_related("sender").in_bulk(earlier_ids))
    return [by_id[stored_as[message.id][0]] for message in messages]


def _new_message(
    *,
    group_id: UUID,
    sender: User | None,
    kind: str,
    body: str,
    data: dict[str, Any],
    client_id: str | None = None,
) -> Message:
    message = Message(
        group_id=group_id, sender=sender, kind=kind, body=body, data=data, client_id=client_id
    )
    # The fields' own checks only: full_clean would add four statements a message (a lookup of
    # the new random id, and a savepoint around a query for `sequence >= 1`), for what the
    # counter guarantees and PostgreSQL's constraints enforce anyway.
    message.clean_fields(exclude=["group", "sender", "sequence"])
    return message


def _new_text(*, group_id: UUID, sender: User, body: str, client_id: str | None) -> Message:
    body = body.strip()
    _validate_body(body)
    _validate_client_id(client_id)
    return _new_message(
        group_id=group_id,
        sender=sender,
        kind=MessageKind.TEXT,
        body=body,
        data={},
        client_id=client_id,
    )


def _store(
    *, group_id: UUID, sender: User | None, kind: str, body: str, data: dict[str, Any]
) -> Message:
    message = _new_message(group_id=group_id, sender=sender, kind=kind, body=body, data=data)
    _insert_numbered([message])
    transaction.on_commit(lambda: realtime.broadcast_message(message))
    return message


@transaction.atomic
def message_send(
    *, group_id: UUID, sender_id: UUID, body: str, client_id: str | None = None
) -> Message:
    """Store a member's text message with the crew's next sequence number, then broadcast it.

    With a `client_id` (the sender's own key for the message), sending again is idempotent:
    when the sender already stored a message with it in the crew, that one is returned and
    nothing is stored nor broadcast (the first body wins).

    Raises:
        ChatNotFound: the sender is not a member of the crew.
        django ValidationError: an empty or too long body, an empty or too long client_id.
    Side effects: broadcast to the crew's sockets on commit; `messages_sent_total`.
    """
    sender = chat_sender(group_id=group_id, user_id=sender_id)
    message = _new_text(group_id=group_id, sender=sender, body=body, client_id=client_id)
    if client_id is None:
        (stored,) = _insert_numbered([message])
    else:
        try:
            with transaction.atomic():  # a savepoint: only the statement is tried again
                (stored,) = _insert_numbered([message])
        except IntegrityError:
            # The same key stored by another request at the same moment: it has committed
            # (the failed statement waited for its counter lock), so this one finds it.
            (stored,) = _insert_numbered([message])
    if stored is not message:
        return stored
    transaction.on_commit(lambda: realtime.broadcast_message(message))
    transaction.on_commit(MESSAGES_SENT.inc)
    return message


@dataclass(frozen=True)
class SocketMessage:
    """A text message that a chat socket received from its member, to be stored."""

    group_id: UUID
    sender: User
    body: str
    client_id: str | None = None


@dataclass(frozen=True)
class RepeatedMessage:
    """The answer to a socket message its sender had stored already with the same client_id.

    `message` is the stored one; nothing was stored nor is to be broadcast.
    """

    message: Message


def message_send_from_sockets(
    messages: Sequence[SocketMessage],
) -> list[Message | RepeatedMessage | ValidationError]:
    """`message_send` for the chat sockets, which hold their senders' memberships live.

    A socket checked the membership when it opened and is closed when it ends (the sender
    leaves, is removed or banned; the crew is taken down), so the per-message membership
    query is left out of the busiest write. `sender` is the user the socket authenticated
    (their display name as of then). The messages of a process's sockets are stored together,
    in one statement (atomic by itself, or joining a caller's transaction), in list order
    within each crew. Not broadcast: the sockets' process does it from its event loop.

    A message with the `client_id` of one its sender already stored in the crew, before or
    earlier in the list, is not stored again (see `message_send`).

    Returns, for each message in order, the stored message; a RepeatedMessage holding the
    one stored before; or the ValidationError of its body or client_id, not stored.
    Raises:
        django DatabaseError: the statement failed; none of them is stored. An IntegrityError
            when another statement stored one of the client_ids meanwhile: storing again
            answers it as a repeat.
    Side effects: `messages_sent_total`.
    """
    outcomes: list[Message | RepeatedMessage | ValidationError] = []
    for each in messages:
        try:
            outcomes.append(
                _new_text(
                    group_id=each.group_id,
                    sender=each.sender,
                    body=each.body,
                    client_id=each.client_id,
                )
            )
        except ValidationError as error:
            outcomes.append(error)
    drafts = [outcome for outcome in outcomes if isinstance(outcome, Message)]
    if not drafts:
        return outcomes
    stored_as = dict(zip(map(id, drafts), _insert_numbered(drafts), strict=True))
    outcomes = [
        outcome
        if not isinstance(outcome, Message) or stored_as[id(outcome)] is outcome
        else RepeatedMessage(stored_as[id(outcome)])
        for outcome in outcomes
    ]
    added = sum(isinstance(outcome, Message) for outcome in outcomes)
    if added:
        transaction.on_commit(lambda: MESSAGES_SENT.inc(added))
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


def _validate_client_id(client_id: str | None) -> None:
    if client_id is None:
        return
    if not isinstance(client_id, str) or not client_id:
        raise ValidationError({"client_id": ["A client_id is a non-empty string."]})
    if len(client_id) > MAX_CLIENT_ID_LENGTH:
        raise ValidationError(
            {"client_id": [f"A client_id has at most {MAX_CLIENT_ID_LENGTH} characters."]}
        )


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
