"""What the chat does when someone joins or leaves a crew (registered in `ChatConfig.ready`)."""

from __future__ import annotations

from typing import cast
from uuid import UUID

from shared.chat import realtime
from shared.chat.models import MessageKind
from shared.chat.services import message_post_system
from shared.groups.events import MemberChange, MemberChangeKind
from shared.notifications.live import broadcast_membership


def announce_member_change(change: MemberChange) -> None:
    """Write a notice into the crew's history, tell the live sockets, and cut off a leaver.

    The member's own app hears it too (`/ws/me/`), so their crew list follows at once.

    Runs after the membership change committed. The notice is a system message, so members
    who were offline see it in the history too. A crew taken down has every socket closed.
    """
    if change.kind == MemberChangeKind.CREW_CLOSED:
        realtime.close_crew_sockets(group_id=change.group_id)
        return
    user_id = cast(UUID, change.user_id)  # only a closing crew names no user
    event_name = "member_joined" if change.kind == MemberChangeKind.JOINED else "member_left"
    data = {"event": event_name, "user_id": str(user_id)}
    if change.reason is not None:
        data["reason"] = str(change.reason)
    message_post_system(group_id=change.group_id, kind=MessageKind.SYSTEM, data=data)
    broadcast_membership(
        user_id=user_id,
        group_id=change.group_id,
        change="joined" if change.kind == MemberChangeKind.JOINED else "left",
    )
    realtime.broadcast_to_group(
        change.group_id,
        event_type="chat.member",
        payload={"change": event_name, "user_id": str(user_id)},
    )
    if change.kind == MemberChangeKind.LEFT:
        realtime.close_member_sockets(
            group_id=change.group_id, user_id=user_id, reason=str(change.reason or "left")
        )
