"""Content takedowns: an event, a crew or a message, removed by a moderator.

Each goes through its own app's write (`event_remove`, `group_remove`, `message_delete`);
this adds the moderator's rules and the audit row. Resolving a report by removing its content
(`reports`) takes the same path.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shared.chat.errors import MessageDeleted, MessageNotFound
from shared.chat.selectors import message_get
from shared.chat.services import message_delete
from shared.events.errors import EventAlreadyRemoved
from shared.events.services import event_remove
from shared.groups.errors import GroupAlreadyRemoved
from shared.groups.services import group_remove
from shared.moderation.errors import ContentAlreadyRemoved
from shared.moderation.models import ActionCode, ModerationAction, RemovableTargetType, TargetType
from shared.moderation.services._common import _audit, _valid_reason

_REMOVED_ACTION = {
    RemovableTargetType.EVENT: ActionCode.EVENT_REMOVED,
    RemovableTargetType.CREW: ActionCode.CREW_REMOVED,
    RemovableTargetType.MESSAGE: ActionCode.MESSAGE_REMOVED,
}


@transaction.atomic
def content_remove(
    *,
    moderator_id: UUID,
    target_type: str,
    target_id: UUID,
    reason: str,
    now: datetime | None = None,
) -> ModerationAction:
    """Take an event, a crew or a message down (soft) and return the audit row that says so.

    The owner of an event or a crew still sees it, with the reason; others get 404. A message
    becomes a tombstone in its chat (deleted by a moderator, its place in the sequence kept).

    Raises:
        ValidationError: an unknown `target_type`, or a reason that is not 10-500 characters.
        EventNotFound, GroupNotFound, MessageNotFound: no such content.
        ContentAlreadyRemoved: it was removed (or deleted) already.
    Side effects:
        writes the `<type>.removed` audit row; a removed message is broadcast to its crew's
        live sockets after commit (as any deletion is).
    """
    if target_type not in RemovableTargetType.values:
        raise ValidationError(
            {"target_type": [f"Choose one of {', '.join(RemovableTargetType.values)}."]}
        )
    reason = _valid_reason(reason, "reason")
    removed = _remove(
        moderator_id=moderator_id,
        target_type=RemovableTargetType(target_type),
        target_id=target_id,
        reason=reason,
        now=now or timezone.now(),
    )
    if removed is None:
        raise ContentAlreadyRemoved()
    return removed


def _remove(
    *,
    moderator_id: UUID,
    target_type: RemovableTargetType,
    target_id: UUID,
    reason: str,
    now: datetime,
) -> ModerationAction | None:
    """Remove the content and audit it; None when it was already removed."""
    data: dict[str, Any]
    try:
        if target_type == RemovableTargetType.EVENT:
            event = event_remove(event_id=target_id, reason=reason, now=now)
            data = {"title": event.title, "owner_id": str(event.organizer_id)}
        elif target_type == RemovableTargetType.CREW:
            group = group_remove(
                group_id=target_id, reason=reason, removed_by=moderator_id, now=now
            )
            data = {"name": group.name, "event_id": str(group.event_id)}
        else:
            message = message_get(message_id=target_id)
            if message is None:
                raise MessageNotFound()
            message_delete(
                group_id=message.group_id,
                message_id=message.id,
                actor_id=moderator_id,
                actor_is_moderator=True,
            )
            data = {
                "group_id": str(message.group_id),
                "sequence": message.sequence,
                "owner_id": str(message.sender_id) if message.sender_id else None,
            }
    except (EventAlreadyRemoved, GroupAlreadyRemoved, MessageDeleted):
        return None
    return _audit(
        actor_id=moderator_id,
        action=_REMOVED_ACTION[target_type],
        target_type=TargetType(target_type.value),
        target_id=target_id,
        reason=reason,
        data=data,
    )
