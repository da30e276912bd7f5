"""The live side of notifications: each person's sockets hear their new notifications.

Every socket of one person (`/ws/me/`, served by the group service) listens on the channel
layer group `me.<user id>`. The notifier broadcasts after commit; the channel layer delivers
at most once, so a socket that missed a frame catches up from the list API when it reconnects.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def me_group_name(user_id: UUID | str) -> str:
    """The channel-layer group of every `/ws/me/` socket of one person."""
    return f"me.{user_id}"


def notification_payload(notification: Any) -> dict[str, Any]:
    """The JSON the API and the socket give for a notification (without any delivery data)."""
    from shared.notifications.kinds import link_of

    return {
        "id": str(notification.id),
        "kind": notification.kind,
        "payload": notification.payload,
        "link": link_of(notification.kind, notification.payload),
        "created_at": notification.created_at.isoformat(),
        "read_at": notification.read_at.isoformat() if notification.read_at else None,
    }


def _send(user_id: UUID | str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(me_group_name(user_id), event)
    except Exception:  # Redis is away: the list API still has everything
        logger.warning("could not broadcast to %s's sockets", user_id, exc_info=True)


def broadcast_notifications(*, notifications: list[Any], unread_counts: dict[Any, int]) -> None:
    """Send new notifications to their recipients' open sockets, all in one event loop (an
    alert to a crew of 50 is 50 sends, side by side rather than one after the other)."""
    layer = get_channel_layer()
    if layer is None or not notifications:
        return

    async def send_all() -> None:
        results = await asyncio.gather(
            *(
                layer.group_send(
                    me_group_name(notification.recipient_id),
                    {
                        "type": "me.notification",
                        "notification": notification_payload(notification),
                        "unread_count": unread_counts[notification.recipient_id],
                    },
                )
                for notification in notifications
            ),
            return_exceptions=True,
        )
        failed = [result for result in results if isinstance(result, BaseException)]
        if failed:  # Redis is away: the list API still has everything
            logger.warning("could not broadcast %s notifications: %r", len(failed), failed[0])

    async_to_sync(send_all)()


def broadcast_membership(*, user_id: UUID, group_id: UUID, change: str) -> None:
    """Tell a person's open sockets that their membership of a crew changed."""
    _send(user_id, {"type": "me.membership", "group_id": str(group_id), "change": change})


def broadcast_unread(*, user_id: UUID, unread_count: int) -> None:
    """Tell a person's other open sockets how many notifications are unread now."""
    _send(user_id, {"type": "me.unread", "unread_count": unread_count})
